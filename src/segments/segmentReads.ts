// Reads over materialised members that are not look-ups: overlap sizes and partner exports.
import type { Cache } from '../cache/cache.ts';
import { CONSENT_BITS } from '../consent/consentFlags.ts';
import { consentCacheKey } from '../consent/consentMirror.ts';
import { CONSENTED_PIDS_SQL } from '../consent/consentReader.ts';
import type { Pseudonymiser } from '../privacy/pseudonymiser.ts';
import type { EventStore } from '../store/eventStore.ts';
import type { SegmentIndex } from './segmentIndex.ts';
import type { SegmentStore } from './segmentStore.ts';

export interface SegmentReads {
  /** Members of both live versions; undefined when either has none. */
  overlap(site: string, a: string, b: string): Promise<number | undefined>;
  /** The live members whose current consent allows advertising and third-party transfer, as recipient-scoped ids. */
  exportMembers(site: string, id: string, recipient: string): Promise<{ version: string; ids: string[] } | undefined>;
  /** Takes a deleted segment out of look-ups at once. */
  withdraw(site: string, id: string): Promise<void>;
}

const TRANSFER = CONSENT_BITS.advertising | CONSENT_BITS.thirdParty;

export function createSegmentReads(store: EventStore, segments: SegmentStore, index: SegmentIndex, cache: Cache, pseudonymiser: Pseudonymiser): SegmentReads {
  const live = async (site: string, id: string) => {
    const v = (await segments.states(site)).get(id)?.liveVersion;
    return v === undefined || v === '0' ? undefined : v;
  };
  return {
    async overlap(site, a, b) {
      const [va, vb] = await Promise.all([live(site, a), live(site, b)]);
      if (va === undefined || vb === undefined) return undefined;
      const [row] = await store.query<{ n: string }>(
        `SELECT count() AS n FROM (
           SELECT pid FROM segment_members
           WHERE site = {site:String} AND ((segment_id = {a:String} AND version = {va:UInt64}) OR (segment_id = {b:String} AND version = {vb:UInt64}))
           GROUP BY pid HAVING uniqExact(segment_id) = {need:UInt8})`,
        { site, a, b, va, vb, need: a === b ? 1 : 2 },
      );
      return Number(row?.n ?? 0);
    },
    async exportMembers(site, id, recipient) {
      const version = await live(site, id);
      if (version === undefined) return undefined;
      const pids = await store.queryColumn(
        `SELECT pid FROM segment_members WHERE site = {site:String} AND segment_id = {id:String} AND version = {version:UInt64}
           AND pid IN (${CONSENTED_PIDS_SQL})
         ORDER BY pid`,
        { site, id, version, consent_bits: TRANSFER },
      );
      // NOTE: the consent mirror may be ahead of ClickHouse by a spool flush; a revocation there wins.
      const mirrored = await Promise.all(pids.map((p) => cache.get(consentCacheKey(site, p))));
      const ids = pids.filter((_, i) => mirrored[i] === null || (Number(mirrored[i]) & TRANSFER) === TRANSFER).map((p) => pseudonymiser.forRecipient(recipient, p));
      return { version, ids };
    },
    async withdraw(site, id) {
      await index.deactivate(site, id);
    },
  };
}
