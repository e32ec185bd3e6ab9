// Segment look-ups by raw cookie id, for the ad server and personalisation. The cookie id is
// pseudonymised here exactly as the collector does and goes no further. Current consent is checked on
// every look-up, so a revocation takes effect at once, not at the next refresh.
import { CONSENT_BITS } from '../consent/consentFlags.ts';
import type { ConsentReader } from '../consent/consentReader.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Pseudonymiser } from '../privacy/pseudonymiser.ts';
import type { Site } from '../sites/siteStore.ts';
import type { EventStore } from '../store/eventStore.ts';
import { IndexIncompleteError, type SegmentIndex } from './segmentIndex.ts';
import { LIVE_VERSIONS_SQL } from './segmentStore.ts';

export interface CookieSegments {
  /** Consent flags in force (consentFlags.ts). */
  readonly consent: number;
  /** Live segments holding the cookie, before any consent filter. */
  readonly segments: readonly string[];
}

export interface LookupResult {
  readonly cookies: CookieSegments[];
  /** True when the index was unavailable or incomplete and ClickHouse answered. */
  readonly degraded: boolean;
}

export interface SegmentLookup {
  /** One entry per cookie id, in order. */
  lookup(site: Site, cookieIds: readonly string[]): Promise<LookupResult>;
}

export interface SegmentLookupDeps {
  index: SegmentIndex;
  consents: ConsentReader;
  store: EventStore;
  pseudonymiser: Pseudonymiser;
  log: Logger;
  metrics: Metrics;
  /** Called when the index says the site is not whole: the caller starts its repair at once. */
  onIncomplete?: (site: string) => void;
}

/** The segments a purpose may see: advertising needs the advertising flag, personalisation its own. */
export function segmentsFor(purpose: 'advertising' | 'personalization', c: CookieSegments): readonly string[] {
  return (c.consent & CONSENT_BITS[purpose]) !== 0 ? c.segments : [];
}

export function createSegmentLookup(deps: SegmentLookupDeps): SegmentLookup {
  const { index, consents, store, pseudonymiser, log, metrics, onIncomplete } = deps;
  const indexSource = metrics.segmentLookups.child({ source: 'index' });
  const storeSource = metrics.segmentLookups.child({ source: 'clickhouse' });

  const fromIndex = async (site: Site, pids: readonly string[]): Promise<CookieSegments[]> => {
    const hits = pids.length === 1 ? [await index.lookup(site.id, pids[0]!)] : await Promise.all(pids.map((pid) => index.lookup(site.id, pid)));
    indexSource.inc(pids.length);
    const unknown = pids.filter((_, i) => hits[i]!.consent === undefined);
    // The common case: every consent came from the mirror.
    if (unknown.length === 0) return hits.map((h) => ({ consent: h.consent!, segments: h.segments }));
    // The mirror lost them (a cold or rebuilt cache) or never had them (unknown cookies).
    const loaded = await consents.readBack(site, unknown);
    return hits.map((h, i) => ({ consent: h.consent ?? loaded.get(pids[i]!)!, segments: h.segments }));
  };

  const fromStore = async (site: Site, pids: readonly string[]): Promise<CookieSegments[]> => {
    const [rows, consent] = await Promise.all([
      store.query<{ pid: string; segment_id: string }>(
        `SELECT pid, segment_id FROM segment_members WHERE site = {site:String} AND pid IN {pids:Array(UInt64)}
           AND (segment_id, version) IN (${LIVE_VERSIONS_SQL})
         ORDER BY segment_id`,
        { site: site.id, pids: pids.map(BigInt) },
      ),
      consents.readBack(site, pids),
    ]);
    const bySid = new Map<string, string[]>();
    for (const r of rows) bySid.set(String(r.pid), [...(bySid.get(String(r.pid)) ?? []), r.segment_id]);
    storeSource.inc(pids.length);
    return pids.map((p) => ({ consent: consent.get(p)!, segments: bySid.get(p) ?? [] }));
  };

  return {
    async lookup(site, cookieIds) {
      const pids = cookieIds.map((c) => pseudonymiser.pseudonymise(site.id, c).pid);
      try {
        return { cookies: await fromIndex(site, pids), degraded: false };
      } catch (err) {
        // An index that lost live versions would answer "no segments": ClickHouse answers until it is whole.
        if (err instanceof IndexIncompleteError) onIncomplete?.(site.id);
        else log.warn({ err: err instanceof Error ? err.message : String(err), site: site.id }, 'segment index unavailable; answering from ClickHouse');
        return { cookies: await fromStore(site, pids), degraded: true };
      }
    },
  };
}
