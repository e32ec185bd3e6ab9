// Reading current consent, for look-ups, the collector and subject requests alike: the cache mirror
// first; pids it does not hold are read from ClickHouse, batched per site (consentBatcher.ts), and
// written back to the mirror briefly (consentMirror.ts says why briefly).
import type { Cache } from '../cache/cache.ts';
import type { EventStore } from '../store/eventStore.ts';
import { createConsentBatcher } from './consentBatcher.ts';
import { CONSENT_DEFAULT_NOTE_TTL_MS, CONSENT_READBACK_TTL_MS, consentCacheKey, consentDefaultCacheKey } from './consentMirror.ts';

/** What a read-back needs of a site: its id and the flags that apply when nothing is stored. */
export interface ConsentSite {
  readonly id: string;
  readonly defaultConsent: number;
}

export interface ConsentReader {
  /** The newest stored flags of each pid in ClickHouse (one read per site in flight); pids with none are absent. */
  stored(site: string, pids: readonly string[]): Promise<ReadonlyMap<string, number>>;
  /**
   * The flags in force for pids the mirror does not hold, from ClickHouse, written back to the cache:
   * stored flags for CONSENT_READBACK_TTL_MS (only where the mirror is still empty), else a default note.
   */
  readBack(site: ConsentSite, pids: readonly string[]): Promise<Map<string, number>>;
  /** The pid's recorded consent (mirror, else ClickHouse); undefined when none is, and the site's default applies. */
  current(site: string, pid: string): Promise<number | undefined>;
}

/** SQL of the site's pids whose current consent has every bit of {consent_bits:UInt8} (params: site, consent_bits). */
export const CONSENTED_PIDS_SQL =
  'SELECT pid FROM consents WHERE site = {site:String} GROUP BY pid HAVING bitAnd(argMax(flags, updated_at), {consent_bits:UInt8}) = {consent_bits:UInt8}';

export function createConsentReader(cache: Cache, store: EventStore): ConsentReader {
  const stored = createConsentBatcher(async (site, pids) => {
    if (pids.length === 0) return new Map();
    const rows = await store.query<{ pid: string; flags: number }>(
      'SELECT pid, argMax(flags, updated_at) AS flags FROM consents WHERE site = {site:String} AND pid IN {pids:Array(UInt64)} GROUP BY pid',
      { site, pids: pids.map(BigInt) },
    );
    return new Map(rows.map((r) => [String(r.pid), Number(r.flags)]));
  });

  /** Mirrors flags read from ClickHouse briefly; set only if absent, so a change recorded meanwhile is never overwritten. */
  const mirrorBriefly = (site: string, pid: string, flags: number) => {
    // A write that fails costs only a later re-read.
    cache.setIfAbsent(consentCacheKey(site, pid), String(flags), CONSENT_READBACK_TTL_MS).catch(() => {});
  };

  return {
    stored,
    async readBack(site, pids) {
      const found = await stored(site.id, pids);
      const out = new Map<string, number>();
      for (const pid of pids) {
        const flags = found.get(pid);
        if (flags !== undefined) mirrorBriefly(site.id, pid, flags);
        else cache.set(consentDefaultCacheKey(site.id, pid), String(site.defaultConsent), CONSENT_DEFAULT_NOTE_TTL_MS).catch(() => {});
        out.set(pid, flags ?? site.defaultConsent);
      }
      return out;
    },
    async current(site, pid) {
      const mirrored = await cache.get(consentCacheKey(site, pid));
      if (mirrored !== null) return Number(mirrored);
      const flags = (await stored(site, [pid])).get(pid);
      if (flags !== undefined) mirrorBriefly(site, pid, flags);
      return flags;
    },
  };
}
