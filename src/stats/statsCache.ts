// Cached statistics, keyed by the normalised query and the data watermarks: a site's watermark moves
// each time a spool segment holding its events reaches ClickHouse (the global one for a segment
// replayed after a restart, whose sites are unknown), so a cached answer is never staler than that.
import { createHash } from 'node:crypto';
import type { Cache } from '../cache/cache.ts';
import type { Metrics } from '../observability/metrics.ts';

export interface StatsCacheOptions {
  /** How long an answer is kept at most. Default 600 000 ms. */
  ttlMs?: number;
}

export interface StatsCache {
  /** The cached answer to this query, or the key to store it under. */
  lookup<T>(site: string, query: unknown): Promise<{ hit: T } | { key: string }>;
  store(key: string, value: unknown): Promise<void>;
  /** Moves the watermark of these sites, or of every site. */
  bump(sites: Iterable<string> | '*'): Promise<void>;
}

const mark = (site: string) => `wm:${site}`;
const GLOBAL = 'wm:*';
const WATERMARK_TTL_MS = 30 * 86_400_000;

export function createStatsCache(cache: Cache, metrics: Metrics, options: StatsCacheOptions = {}): StatsCache {
  const ttl = options.ttlMs ?? 600_000;
  return {
    async lookup<T>(site: string, query: unknown) {
      try {
        const [g, s] = await Promise.all([cache.get(GLOBAL), cache.get(mark(site))]);
        const digest = createHash('sha256').update(JSON.stringify(query)).digest('base64url');
        const key = `stats:${site}:${g ?? 0}:${s ?? 0}:${digest}`;
        const cached = await cache.get(key);
        metrics.statsCache.inc({ result: cached === null ? 'miss' : 'hit' });
        return cached === null ? { key } : { hit: JSON.parse(cached) as T };
      } catch {
        // The cache is an accelerator: without it the answer comes from ClickHouse.
        metrics.statsCache.inc({ result: 'error' });
        return { key: '' };
      }
    },
    async store(key, value) {
      if (key === '') return;
      await cache.set(key, JSON.stringify(value), ttl).catch(() => {});
    },
    async bump(sites) {
      // A random new value rather than INCR: the interface stays small, and any change invalidates.
      const value = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const keys = sites === '*' ? [GLOBAL] : [...sites].map(mark);
      await Promise.all(keys.map((k) => cache.set(k, value, WATERMARK_TTL_MS)));
    },
  };
}
