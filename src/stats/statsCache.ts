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

/** Where a looked-up answer is (or goes): its key, and the digest of the query the key was built from. */
export interface StatsCacheEntry {
  readonly site: string;
  readonly digest: string;
  /** '' when the cache failed: nothing names the query safely. */
  readonly key: string;
}

export interface StatsCache {
  /** The cached answer to this query, or the key to store it under; `entry` either way. */
  lookup<T>(site: string, query: unknown): Promise<({ hit: T } | { key: string }) & { entry: StatsCacheEntry }>;
  store(key: string, value: unknown): Promise<void>;
  /**
   * Whether each of these entries would still be a hit: the watermarks of its site unchanged since it
   * was looked up and the answer still held (neither expired nor evicted). Counted as hits when so.
   * The rules of lookup, without the query: for an answer kept in front of this cache (answerCache.ts).
   */
  stillCached(entries: readonly StatsCacheEntry[]): Promise<boolean>;
  /** Moves the watermark of these sites, or of every site. */
  bump(sites: Iterable<string> | '*'): Promise<void>;
}

const mark = (site: string) => `wm:${site}`;
const GLOBAL = 'wm:*';
const WATERMARK_TTL_MS = 30 * 86_400_000;

export function createStatsCache(cache: Cache, metrics: Metrics, options: StatsCacheOptions = {}): StatsCache {
  const ttl = options.ttlMs ?? 600_000;
  const watermarks = async (site: string) => {
    const [g, s] = await Promise.all([cache.get(GLOBAL), cache.get(mark(site))]);
    return `stats:${site}:${g ?? 0}:${s ?? 0}:`;
  };
  return {
    async lookup<T>(site: string, query: unknown) {
      const digest = createHash('sha256').update(JSON.stringify(query)).digest('base64url');
      try {
        const key = `${await watermarks(site)}${digest}`;
        const cached = await cache.get(key);
        metrics.statsCache.inc({ result: cached === null ? 'miss' : 'hit' });
        const entry = { site, digest, key };
        return cached === null ? { key, entry } : { hit: JSON.parse(cached) as T, entry };
      } catch {
        // The cache is an accelerator: without it the answer comes from ClickHouse.
        metrics.statsCache.inc({ result: 'error' });
        return { key: '', entry: { site, digest, key: '' } };
      }
    },
    async store(key, value) {
      if (key === '') return;
      await cache.set(key, JSON.stringify(value), ttl).catch(() => {});
    },
    async stillCached(entries) {
      try {
        if (entries.some((e) => e.key === '')) return false;
        // The watermarks read once per site (the overview's request holds some twenty answers of one).
        const marks = new Map<string, Promise<string>>();
        for (const e of entries) if (!marks.has(e.site)) marks.set(e.site, watermarks(e.site));
        const keys = await Promise.all(entries.map(async (e) => `${await marks.get(e.site)!}${e.digest}`));
        if (keys.some((k, i) => k !== entries[i]!.key)) return false;
        const held = await Promise.all(keys.map((k) => cache.get(k)));
        if (held.some((v) => v === null)) return false;
        for (let i = 0; i < entries.length; i++) metrics.statsCache.inc({ result: 'hit' });
        return true;
      } catch {
        return false;
      }
    },
    async bump(sites) {
      // A random new value rather than INCR: the interface stays small, and any change invalidates.
      const value = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const keys = sites === '*' ? [GLOBAL] : [...sites].map(mark);
      await Promise.all(keys.map((k) => cache.set(k, value, WATERMARK_TTL_MS)));
    },
  };
}
