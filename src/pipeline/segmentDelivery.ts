// How one closed spool segment goes into ClickHouse (spoolDeliverer.ts runs the loop around it: order,
// retries, faults, flush and close): the spool's own rows under the segment's token, then each section's
// (spoolSections.ts) under `<token>#<table>`, so rows derived from hits never precede the hits. A refused
// insert goes record by record under tokens of their own, stable across replays; only what is refused
// then is kept aside. A retryable failure (or any failure while stopping) is thrown: the segment stays
// queued and the loop tries again.
import path from 'node:path';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { EventStore } from '../store/eventStore.ts';
import { StoreError } from '../store/storeError.ts';
import { readWholeFile } from '../store/wholeFile.ts';
import type { ClosedSegment, Spool } from './spool.ts';
import { errnoOf } from './spoolFaults.ts';
import { decodeSegment } from './spoolRecord.ts';
import { SECTION_TABLES, sectionRecord, splitSections, type SectionTable } from './spoolSections.ts';

export interface SegmentDelivery {
  /** Delivers one closed segment and acknowledges it to the spool; throws when it must be tried again. */
  deliver(seg: ClosedSegment): Promise<void>;
  /** The sections-ahead phase: the queued segments' sections, whole. Never rejects; stops at a refusal. */
  sectionsAhead(): Promise<void>;
  /** Whether the segment's records already went in under their own tokens (its token must not be reused). */
  isRecordwise(seg: ClosedSegment): boolean;
}

export interface SegmentDeliveryContext {
  table: string;
  log: Logger;
  metrics: Metrics;
  /** Sets the spool's gauges (after a record is kept aside). */
  gauges: () => void;
  /** True once the deliverer is stopping: a refusal then leaves the segment on disk, never kept aside. */
  isStopping: () => boolean;
}

export function createSegmentDelivery(spool: Spool, store: EventStore, ctx: SegmentDeliveryContext): SegmentDelivery {
  const { table, log, metrics, gauges, isStopping } = ctx;
  /** The segment whose records are being written one by one (their own tokens), if any. */
  let recordwise: ClosedSegment | undefined;
  /** The segment whose own rows are in and whose sections from SECTION_TABLES[from] on go record by record. */
  let sectionwise: { seg: ClosedSegment; from: number } | undefined;
  /**
   * The section tokens (`<segment token>#<table>`) whose rows are in and counted in rowsWritten: a section
   * inserted ahead of its hits (sectionsAhead) goes in again with its segment under the same token,
   * which ClickHouse drops as a duplicate, so the second insert must not count its rows again. A
   * segment's tokens are forgotten once it is acknowledged.
   */
  const sectionsCounted = new Set<string>();
  const name = (seg: ClosedSegment) => path.basename(seg.file);

  /**
   * Inserts rows: undefined once in, or why ClickHouse refused them for good (bad rows: the caller goes on
   * without them). `counts` is asked once they are in whether to count them (false: already counted).
   */
  const insert = async (into: string, rows: Buffer | readonly Buffer[], token: string, counts: () => boolean = () => true): Promise<string | undefined> => {
    try {
      await store.insertNdjson(into, rows, token);
      if (counts()) metrics.rowsWritten.inc({ table: into }, countLines(rows));
      return undefined;
    } catch (err) {
      if (!(err instanceof StoreError) || err.retryable || isStopping()) throw err;
      metrics.clickhouseErrors.inc({ retryable: 'false' });
      return err.message;
    }
  };
  /** True the first time a section token is in (its rows are counted then), false after. */
  const firstIn = (token: string): boolean => {
    if (sectionsCounted.has(token)) return false;
    sectionsCounted.add(token);
    return true;
  };
  const wholeRefused = (into: string, seg: ClosedSegment, err: string) =>
    log.error({ table: into, segment: name(seg), err }, 'ClickHouse refused a spool segment; retrying its records one by one');

  const deliverOne = async (seg: ClosedSegment): Promise<void> => {
    const buf = await readWholeFile(seg.file);
    const decoded = decodeSegment(buf);
    for (const d of decoded.damaged) {
      if (!spool.saveDamaged(seg, d.offset, d.bytes)) continue;
      metrics.spoolDamagedRecords.inc();
      log.error({ table, segment: name(seg), offset: d.offset, bytes: d.bytes.length }, 'damaged spool record set aside');
    }
    if (decoded.truncatedTail > 0) log.warn({ table, segment: name(seg), bytes: decoded.truncatedTail }, 'torn write at the end of a spool segment ignored (never acknowledged)');
    const started = performance.now();
    // Once some records went in under their own tokens, the whole-segment token must not be used again.
    if (seg.firstRecord !== undefined || recordwise === seg) {
      recordwise = seg;
      await deliverRecords(seg, decoded.records, seg.firstRecord ?? 0, 0);
    } else {
      // The spool's own rows first, then each section's (spoolSections.ts): rows derived from hits are
      // never in ClickHouse before the hits. Each table's insert has a token of its own.
      const split = decoded.records.map(splitSections);
      // The records' pieces as they lie in the segment, not joined: written to the engine's file one after the other.
      const refused = await insert(table, split.map((r) => r.own), seg.token);
      if (refused !== undefined) {
        // One bad record must not cost the others: write them one by one, set aside only what fails.
        wholeRefused(table, seg, refused);
        recordwise = seg;
        await deliverRecords(seg, decoded.records, 0, 0);
      } else {
        for (let t = 0; t < SECTION_TABLES.length; t++) {
          const section = SECTION_TABLES[t]!;
          if (sectionwise?.seg === seg && sectionwise.from <= t) break;
          const rows = split.flatMap((r) => r.sections.get(section) ?? []);
          const token = `${seg.token}#${section}`;
          const why = rows.length === 0 ? undefined : await insert(section, rows, token, () => firstIn(token));
          if (why !== undefined) {
            wholeRefused(section, seg, why);
            sectionwise = { seg, from: t };
            break;
          }
        }
        // This section and those after it, record by record (the spool's own rows are in already).
        if (sectionwise?.seg === seg) await deliverRecords(seg, decoded.records, 0, 1 + sectionwise.from);
      }
    }
    metrics.flushSeconds.observe((performance.now() - started) / 1000);
    await spool.ack(seg);
    for (const section of SECTION_TABLES) sectionsCounted.delete(`${seg.token}#${section}`);
    recordwise = undefined;
    sectionwise = undefined;
  };

  /**
   * Each record's rows get tokens of their own, stable across replays, so a retry or a crash cannot double
   * them. `from` 0: the spool's own rows and every section; n > 0: the sections from SECTION_TABLES[n - 1] on.
   * Refused own rows keep the whole record aside (its sections are never inserted without them); refused
   * section rows are kept aside as a record of those sections only (the own rows are in).
   */
  const deliverRecords = async (seg: ClosedSegment, records: Buffer[], first: number, from: number): Promise<void> => {
    // Sections of this segment already in whole (put in ahead of their hits at start, deliverSections): not
    // inserted again under a record's token, nor kept aside again, or a redelivery would double them.
    const inAhead = (section: SectionTable) => sectionsCounted.has(`${seg.token}#${section}`);
    for (const [i, rec] of records.entries()) {
      const index = first + i;
      const { own, sections } = splitSections(rec);
      const why = from === 0 ? await insert(table, own, `${seg.token}/${index}`) : undefined;
      if (why !== undefined) {
        const notIn = SECTION_TABLES.filter((t) => !inAhead(t) && sections.has(t));
        const kept = notIn.length === sections.size ? rec : Buffer.concat([own, sectionRecord(notIn.map((t) => [t, sections.get(t)!] as const))]);
        keepAside(seg, index, kept, why);
        continue;
      }
      const refused: Array<readonly [SectionTable, Buffer]> = [];
      let reason = '';
      for (let t = Math.max(0, from - 1); t < SECTION_TABLES.length; t++) {
        const section = SECTION_TABLES[t]!;
        if (inAhead(section)) continue;
        const rows = sections.get(section);
        const no = rows === undefined || rows.length === 0 ? undefined : await insert(section, rows, `${seg.token}/${index}#${section}`);
        if (no !== undefined) {
          refused.push([section, rows!]);
          reason ||= no;
        }
      }
      if (refused.length > 0) keepAside(seg, index, sectionRecord(refused), reason);
    }
  };

  // Kept before the segment is deleted: if this write fails, the segment stays and is tried again.
  const keepAside = (seg: ClosedSegment, index: number, rec: Buffer, why: string) => {
    const where = spool.saveFailed(seg, index, rec, why);
    metrics.spoolFailedRecords.inc();
    gauges();
    log.error({ table, segment: name(seg), record: index, where, err: why }, 'spool record refused by ClickHouse; set aside (calypso spool redeliver)');
  };

  /**
   * The sections-ahead phase (SpoolDeliverer.deliverSections): each queued segment's sections, whole,
   * under the tokens its delivery uses. Run by the loop between two segments, so no delivery of the same
   * segment runs beside it: one gone record by record could otherwise insert the rows under its records'
   * tokens while the same rows went in under the segment's, and store them twice.
   */
  const sectionsAhead = async (): Promise<void> => {
    try {
      for (const seg of [...spool.queued]) {
        // Record by record (set aside once, or its rows refused): its own delivery brings its sections.
        if (seg.firstRecord !== undefined || recordwise === seg || sectionwise?.seg === seg) continue;
        const buf = await readWholeFile(seg.file).catch((err: unknown) => {
          if (errnoOf(err) === 'ENOENT') return undefined; // gone: the loop reports it
          throw err;
        });
        if (buf === undefined) continue;
        const split = decodeSegment(buf).records.map(splitSections);
        for (const section of SECTION_TABLES) {
          const rows = split.flatMap((r) => r.sections.get(section) ?? []);
          const token = `${seg.token}#${section}`;
          // Refused: its delivery sets the refused records aside as usual.
          if (rows.length > 0 && (await insert(section, rows, token, () => firstIn(token))) !== undefined) return;
        }
      }
    } catch (err) {
      log.warn({ table, err: err instanceof Error ? err.message : String(err) }, 'could not deliver the spooled visit rows ahead of their hits; they come with them');
    }
  };
  return { deliver: deliverOne, sectionsAhead, isRecordwise: (seg) => recordwise === seg };
}

function countLines(rows: Buffer | readonly Buffer[]): number {
  let n = 0;
  for (const piece of Buffer.isBuffer(rows) ? [rows] : rows) for (let i = piece.indexOf(0x0a); i !== -1; i = piece.indexOf(0x0a, i + 1)) n++;
  return n;
}
