// The collector's core, shared by POST /collect, GET /collect.gif and `calypso import`: validate each
// event, check its site and host, reduce it, and make the accepted ones durable before answering.
import type { SpoolPart } from '../consent/appendTogether.ts';
import type { ConsentChange, ConsentSource, ConsentStore } from '../consent/consentStore.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Spool, SpoolRoom } from '../pipeline/spool.ts';
import { sectionsText, type SectionTable } from '../pipeline/spoolSections.ts';
import type { Reducers } from '../privacy/reducers.ts';
import { toEventRowNow, type RequestTraits } from '../privacy/toEventRow.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import { echo, InputError } from '../errors/apiError.ts';
import { validateEvent, type EventLimits } from './validateEvent.ts';
import { checkHost } from './checkHost.ts';
import { eventRowLine } from './eventRowLine.ts';
import type { ErasureTombstones } from '../subjects/erasureTombstones.ts';
import type { BatchMarker, ImportBatches } from './importBatches.ts';
import type { EventRow } from '../privacy/toEventRow.ts';
import type { VisitAssigner } from '../visits/visitAssigner.ts';
import { visitRowLine, type VisitRow } from '../visits/visitRow.ts';

export interface IngestDeps {
  sites: SiteStore;
  reducers: Reducers;
  spool: Spool;
  consents: ConsentStore;
  /** Erased pids: their hits stamped before the erasure are refused (policy 4.1). */
  erasures: ErasureTombstones;
  metrics: Metrics;
  /** The import batches already stored (POST /v1/import only). */
  importBatches?: ImportBatches;
  /** Forms visits as hits arrive (docs/visits.md): their rows ride in the events' spool record. */
  visits?: { assigner: VisitAssigner };
}

export interface IngestResult {
  accepted: number;
  /** Each refused event: its index in the batch, the message, the code and the event's field at fault. */
  rejected: Array<{ index: number; error: string; code: InputError['code']; field: string }>;
}

export interface IngestOptions {
  /** Who changed a consent carried by a hit. Default 'counter'. */
  source?: ConsentSource;
  /** An import batch's id: a batch stored before is answered as it was then, not stored again. */
  batchId?: string;
  /** Room the caller holds in the events' spool (Spool.reserve): the append takes it (and releases it). */
  room?: SpoolRoom;
}

const REASONS = new Set(['event', 'site', 'type', 'url', 'ts', 'name', 'screen', 'lang', 'props', 'referrer', 'cid', 'eid', 'consent', 'ip', 'ua']);

/** A bounded label for the refusal metric: the top-level field of the refusal (`consent.statistics` → `consent`). */
function reasonOf(field: string): string {
  const top = /^[A-Za-z]+/.exec(field)?.[0] ?? '';
  return REASONS.has(top) ? top : 'other';
}

/**
 * Throws SpoolFullError when nothing could be kept (the caller answers 503); nothing is half-stored.
 * The caller releases `opts.room` once this settles (ingest releases it only when it appends).
 */
export function ingest(
  batch: readonly unknown[],
  traits: RequestTraits | ((raw: unknown) => RequestTraits),
  deps: IngestDeps,
  limits?: EventLimits,
  opts: IngestOptions = {},
): Promise<IngestResult> {
  const { source = 'counter', batchId, room } = opts;
  // Not async itself, so the single-hit path pays no extra promise for the import branch.
  if (batchId !== undefined && deps.importBatches !== undefined) return deps.importBatches.once(batchId, (marker) => ingestNow(batch, traits, deps, limits, source, marker, room));
  return ingestNow(batch, traits, deps, limits, source, undefined, room);
}

async function ingestNow(
  batch: readonly unknown[],
  traits: RequestTraits | ((raw: unknown) => RequestTraits),
  deps: IngestDeps,
  limits: EventLimits | undefined,
  source: ConsentSource,
  marker: BatchMarker | undefined,
  room: SpoolRoom | undefined,
): Promise<IngestResult> {
  deps.metrics.eventsReceived.inc(batch.length);
  const now = Date.now();
  const hits: Array<{ row: EventRow & { visit_id?: string }; ms: number; erasedAt: number | undefined }> = [];
  let accepted = 0;
  const perSite = new Map<string, number>();
  const consentChanges: ConsentChange[] = [];
  const rejected: IngestResult['rejected'] = [];
  for (let index = 0; index < batch.length; index++) {
    try {
      const event = validateEvent(batch[index], now, limits);
      const site = deps.sites.peek(event.site) ?? (await deps.sites.get(event.site));
      if (site === undefined) throw new InputError('site', `site ${echo(event.site)} is not registered`);
      checkHost(event.url, site);
      // A promise only for a hit that waits for its day's visitor hash (toEventRowNow).
      const reducing = toEventRowNow(event, site, typeof traits === 'function' ? traits(batch[index]) : traits, deps.reducers);
      const { row, pseudonym } = reducing instanceof Promise ? await reducing : reducing;
      let erasedAt: number | undefined;
      if (pseudonym !== undefined) {
        const tomb = deps.erasures.erasedAt(site.id, pseudonym.pid);
        erasedAt = tomb instanceof Promise ? await tomb : tomb;
        // A hit from before the erasure was in flight or is an old import: it must not bring the data back.
        if (erasedAt !== undefined && event.ts <= erasedAt) throw new InputError('cid', 'cid: this cookie\'s data was erased; hits stamped before the erasure are not taken');
      }
      // An erased visitor's earlier visits are gone: a new hit must not continue them.
      hits.push({ row, ms: event.ts, erasedAt: row.pid === '0' ? undefined : erasedAt });
      if (event.consent !== undefined && pseudonym !== undefined) consentChanges.push({ site: site.id, pseudonym, flags: row.consent });
      accepted++;
      perSite.set(site.id, (perSite.get(site.id) ?? 0) + 1);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      rejected.push({ index, error: err.message, code: err.code, field: err.field });
      deps.metrics.eventsRejected.inc({ reason: reasonOf(err.field) });
    }
  }
  if (accepted > 0) {
    const placed = deps.visits === undefined ? undefined : await deps.visits.assigner.place(hits);
    // Durable before the answer: the hits, their visits, and a consent change carried by a hit.
    // NOTE: the visit rows ride in the hits' own spool record (spoolSections.ts): one write and one
    // fdatasync, and the record is kept whole or not at all, so visit rows are never kept without their
    // hits nor hits answered 202 without their visit rows. Two spools side by side lost an acknowledged
    // request when the disk filled between the writes (diskFull.test.ts), and in series cost a second
    // group commit per request.
    const sections: Array<readonly [SectionTable, string]> = [];
    if (placed !== undefined) sections.push(['visits', visitLines(placed.visitRows)], ['visit_aliases', ndjsonOf(placed.aliasRows)]);
    try {
      await keep(sectionsText(eventLines(hits), sections));
    } catch (err) {
      // Nothing kept: the state stays as stored, so the next hit cancels no version that was never written.
      placed?.release();
      throw err;
    }
    await placed?.commit();
  }
  for (const [site, n] of perSite) deps.metrics.eventsAccepted.child({ site }).inc(n);
  return { accepted, rejected };

  async function keep(events: string): Promise<void> {
    if (consentChanges.length === 0 && marker === undefined) {
      // The held room becomes the record: admitted, it is not refused for the budget now.
      await deps.spool.append(events, perSite.keys(), room);
    } else {
      // Consent is read first: if it cannot be recorded now, nothing of the request is kept. The commit
      // then keeps the events, the consent rows and the batch's marker together or not at all (policy 1.3, 6.1).
      const consent = await deps.consents.prepare(consentChanges, source);
      // Released before the commit checks the budgets (it awaits the consent mirror before appending, so
      // another request may take the room meanwhile: then this one is refused whole, as before).
      room?.release();
      // The tags as a list: a part tried again after an I/O error reads them again.
      const parts: SpoolPart[] = [{ spool: deps.spool, payload: Buffer.from(events), tags: [...perSite.keys()] }];
      if (marker !== undefined) parts.push(marker({ accepted, rejected }));
      await consent.commit(parts);
    }
  }
}

function eventLines(hits: ReadonlyArray<{ row: EventRow & { visit_id?: string } }>): string {
  let out = '';
  for (const h of hits) out += eventRowLine(h.row);
  return out;
}

function visitLines(rows: readonly VisitRow[]): string {
  let out = '';
  for (const r of rows) out += visitRowLine(r);
  return out;
}

function ndjsonOf(rows: readonly object[]): string {
  let out = '';
  for (const r of rows) out += `${JSON.stringify(r)}\n`;
  return out;
}

