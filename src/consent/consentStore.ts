// Current consent per (site, pid): durable through its own spool into `consents`, mirrored in the
// cache at once so every read path (segment look-ups, personalisation) sees a change immediately.
import type { Cache } from '../cache/cache.ts';
import type { Spool } from '../pipeline/spool.ts';
import type { Pseudonym } from '../privacy/pseudonymiser.ts';
import { nowSql } from '../store/sqlTime.ts';

export type ConsentSource = 'counter' | 'api' | 'import';

export interface ConsentChange {
  readonly site: string;
  readonly pseudonym: Pseudonym;
  readonly flags: number;
}

export interface ConsentStore {
  /** Records the changes that differ from the cached current consent; resolves once durable. */
  record(changes: readonly ConsentChange[], source: ConsentSource): Promise<number>;
}

export interface ConsentStoreOptions {
  /** How long the cache mirrors a consent. Default 400 days (longer than any retention). */
  cacheTtlMs?: number;
}

export const consentCacheKey = (site: string, pid: string) => `consent:${site}:${pid}`;

/**
 * A read-side note that a pid has no stored consent (so the site's default applies), kept briefly so a
 * look-up of an unknown cookie does not query ClickHouse every time. Never consulted when the mirror
 * above holds the pid, and never read by `record`, so an explicit consent is always recorded.
 */
export const consentDefaultCacheKey = (site: string, pid: string) => `consent-default:${site}:${pid}`;

export function createConsentStore(spool: Spool, cache: Cache, options: ConsentStoreOptions = {}): ConsentStore {
  const ttl = options.cacheTtlMs ?? 400 * 86_400_000;
  return {
    async record(changes, source) {
      const fresh: ConsentChange[] = [];
      const seen = new Set<string>();
      // The last change for a (site, pid) in one request is the one that stands.
      for (const c of [...changes].reverse()) {
        const key = consentCacheKey(c.site, c.pseudonym.pid);
        if (seen.has(key)) continue;
        seen.add(key);
        // NOTE: a cache miss (evicted, or Redis restarted) only costs a redundant durable write.
        if ((await cache.get(key)) === String(c.flags)) continue;
        fresh.push(c);
      }
      if (fresh.length === 0) return 0;
      const now = nowSql();
      const ndjson = fresh
        .map((c) => JSON.stringify({ site: c.site, pid: c.pseudonym.pid, key_version: c.pseudonym.keyVersion, flags: c.flags, source, updated_at: now }))
        .join('\n');
      await spool.append(Buffer.from(`${ndjson}\n`));
      await Promise.all(fresh.map((c) => cache.set(consentCacheKey(c.site, c.pseudonym.pid), String(c.flags), ttl)));
      return fresh.length;
    },
  };
}
