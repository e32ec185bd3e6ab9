// Current consent per (site, pid): durable through its own spool into `consents`, every change also
// appended to `consent_log` (flags before and after, source, time: the proof of consent), and mirrored
// in the cache at once so every read path (segment look-ups, personalisation) sees a change immediately.
import type { Cache } from '../cache/cache.ts';
import type { Spool } from '../pipeline/spool.ts';
import type { Pseudonym } from '../privacy/pseudonymiser.ts';
import type { EventStore } from '../store/eventStore.ts';
import { nowSql } from '../store/sqlTime.ts';

export type ConsentSource = 'counter' | 'api' | 'import';

export interface ConsentChange {
  readonly site: string;
  readonly pseudonym: Pseudonym;
  readonly flags: number;
}

export interface CurrentConsent {
  readonly flags: number;
  /** False when nothing was ever recorded for the pid and the site's default applies. */
  readonly stored: boolean;
}

/** The cache could not be read: nothing was recorded, and the caller should answer "retry later". */
export class ConsentUnavailableError extends Error {
  override name = 'ConsentUnavailableError';
}

export interface PreparedConsent {
  /** Changes that differ from the current consent. */
  readonly count: number;
  /** Writes them durably (consents and consent log) and updates the mirror. */
  commit(): Promise<void>;
}

export interface ConsentStore {
  /** Records the changes that differ from the current consent; resolves once durable. */
  record(changes: readonly ConsentChange[], source: ConsentSource): Promise<number>;
  /**
   * The reading half of `record`, so a caller can learn before writing anything else that consent can
   * be recorded now (ConsentUnavailableError when the mirror cannot be read).
   */
  prepare(changes: readonly ConsentChange[], source: ConsentSource): Promise<PreparedConsent>;
  /** The pid's current consent: the mirror, else ClickHouse, else `defaultFlags`. */
  current(site: string, pid: string, defaultFlags: number): Promise<CurrentConsent>;
  /** Drops the mirror of a pid (erasure); its rows are deleted by the caller. */
  forget(site: string, pid: string): Promise<void>;
}

/** How long the cache mirrors a consent: 400 days. */
export const CONSENT_MIRROR_TTL_MS = 400 * 86_400_000;

export interface ConsentStoreOptions {
  /** Days consent rows and the consent log are kept (CALYPSO_AUDIT_RETENTION_DAYS). Default 1 096. */
  retentionDays?: number;
}

export const consentCacheKey = (site: string, pid: string) => `consent:${site}:${pid}`;

/**
 * A read-side note that a pid has no stored consent (so the site's default applies), kept briefly so a
 * look-up of an unknown cookie does not query ClickHouse every time. Never consulted when the mirror
 * above holds the pid, and never read by `record`, so an explicit consent is always recorded.
 */
export const consentDefaultCacheKey = (site: string, pid: string) => `consent-default:${site}:${pid}`;

/** Stored flags for pids of one site: the newest `consents` row of each; pids with none are absent. */
export async function storedConsentFlags(store: EventStore, site: string, pids: readonly string[]): Promise<Map<string, number>> {
  if (pids.length === 0) return new Map();
  const rows = await store.query<{ pid: string; flags: number }>(
    'SELECT pid, argMax(flags, updated_at) AS flags FROM consents WHERE site = {site:String} AND pid IN {pids:Array(UInt64)} GROUP BY pid',
    { site, pids: pids.map(BigInt) },
  );
  return new Map(rows.map((r) => [String(r.pid), Number(r.flags)]));
}

/** SQL of the site's pids whose current consent has every bit of {consent_bits:UInt8} (params: site, consent_bits). */
export const CONSENTED_PIDS_SQL =
  'SELECT pid FROM consents WHERE site = {site:String} GROUP BY pid HAVING bitAnd(argMax(flags, updated_at), {consent_bits:UInt8}) = {consent_bits:UInt8}';

export interface ConsentSpools {
  readonly consents: Spool;
  readonly log: Spool;
}

export function createConsentStore(spools: ConsentSpools, cache: Cache, store: EventStore, options: ConsentStoreOptions = {}): ConsentStore {
  const retentionDays = options.retentionDays ?? 1_096;

  const stored = (site: string, pids: readonly string[]) => storedConsentFlags(store, site, pids);

  const self: ConsentStore = {
    async record(changes, source) {
      const prepared = await self.prepare(changes, source);
      await prepared.commit();
      return prepared.count;
    },

    async prepare(changes, source) {
      const latest = new Map<string, ConsentChange>();
      // The last change for a (site, pid) in one request is the one that stands.
      for (const c of changes) latest.set(consentCacheKey(c.site, c.pseudonym.pid), c);
      const before = new Map<string, number | null>();
      const misses = new Map<string, string[]>();
      // NOTE: without the mirror a change could not reach the look-ups at once, and a mirror left
      // stale by an unrecorded change would outlive it: refuse rather than record half.
      // The reads go out together (one pipelined round trip on Redis), not one per change.
      const mirrored = await Promise.all([...latest.keys()].map((key) => cache.get(key))).catch(() => {
        throw new ConsentUnavailableError('consent cannot be recorded now; retry later');
      });
      let i = 0;
      for (const [key, c] of latest) {
        const m = mirrored[i++] ?? null;
        if (m === null) {
          const list = misses.get(c.site);
          if (list === undefined) misses.set(c.site, [c.pseudonym.pid]);
          else list.push(c.pseudonym.pid);
        }
        else before.set(key, Number(m));
      }
      // NOTE: a mirror miss (evicted, or Redis restarted) costs one read, so the log records only real changes.
      for (const [site, pids] of misses) {
        // ClickHouse down: the change is written anyway, logged with the earlier flags unknown.
        const found = await stored(site, pids).catch(() => new Map<string, number>());
        for (const pid of pids) before.set(consentCacheKey(site, pid), found.get(pid) ?? null);
      }
      const fresh = [...latest].filter(([key, c]) => before.get(key) !== c.flags);
      if (fresh.length === 0) return { count: 0, commit: async () => {} };
      const now = nowSql();
      const rows = fresh.map(([, c]) => ({ site: c.site, pid: c.pseudonym.pid, key_version: c.pseudonym.keyVersion, flags: c.flags, source, updated_at: now, retention_days: retentionDays }));
      const log = fresh.map(([key, c]) => ({
        site: c.site,
        pid: c.pseudonym.pid,
        key_version: c.pseudonym.keyVersion,
        flags_before: before.get(key) ?? null,
        flags_after: c.flags,
        source,
        changed_at: now,
        retention_days: retentionDays,
      }));
      const ndjson = (xs: object[]) => Buffer.from(`${xs.map((x) => JSON.stringify(x)).join('\n')}\n`);
      return {
        count: fresh.length,
        async commit() {
          await Promise.all([spools.consents.append(ndjson(rows)), spools.log.append(ndjson(log))]);
          await Promise.all(fresh.map(([key, c]) => cache.set(key, String(c.flags), CONSENT_MIRROR_TTL_MS)));
        },
      };
    },

    async current(site, pid, defaultFlags) {
      const mirrored = await cache.get(consentCacheKey(site, pid));
      if (mirrored !== null) return { flags: Number(mirrored), stored: true };
      const flags = (await stored(site, [pid])).get(pid);
      return flags === undefined ? { flags: defaultFlags, stored: false } : { flags, stored: true };
    },

    async forget(site, pid) {
      await cache.del(consentCacheKey(site, pid), consentDefaultCacheKey(site, pid));
    },
  };
  return self;
}
