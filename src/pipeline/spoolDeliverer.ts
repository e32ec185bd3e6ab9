// Moves closed spool segments into ClickHouse, oldest first, one insert per segment with the segment's
// token: a retry, or a replay after a crash, inserts the same rows under the same token and ClickHouse
// drops the duplicate (non_replicated_deduplication_window on the table).
// Nothing acknowledged is dropped quietly: ClickHouse unavailable or out of space, and a full local disk,
// keep the segment queued and retry; a segment is set aside (failed/, with its reason, a metric and an
// error line naming the table and the segment) only when it cannot be read after several attempts.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { EventStore } from '../store/eventStore.ts';
import { StoreError } from '../store/storeError.ts';
import type { ClosedSegment, Spool } from './spool.ts';
import { errnoOf, isDiskFull, type SpoolDiskError } from './spoolFaults.ts';
import { decodeSegment } from './spoolRecord.ts';
import { SECTION_TABLES, sectionRecord, splitSections, type SectionTable } from './spoolSections.ts';

export interface DelivererOptions {
  table: string;
  /** Closes the active segment this often, so a hit is queryable soon after it is acknowledged. */
  flushIntervalMs: number;
  /** Called once a segment is in ClickHouse (to move the data watermarks of its sites). */
  onDelivered?: (segment: ClosedSegment) => Promise<void> | void;
}

export interface SpoolDeliverer {
  /** True while the last attempt to write to ClickHouse failed (the collector keeps spooling). */
  readonly degraded: boolean;
  /** When the spool's disk last refused a write (ms since the epoch), if it ever did. */
  readonly diskFaultAt: number | undefined;
  /**
   * Closes the active segment and delivers it and every segment before it; resolves once they are in
   * ClickHouse, or as soon as an attempt fails (ClickHouse or the disk down).
   */
  flush(): Promise<void>;
  /**
   * Stops the timer, closes the spool and delivers until `deadline` (ms since the epoch): the segment in
   * flight may finish, no new one starts after it. What is left stays on disk for the next start.
   */
  close(deadline?: number): Promise<void>;
  /** Resolves when no insert is in flight (the embedded engine must not be closed under one). */
  idle(): Promise<void>;
  /**
   * Inserts the sections (visit rows) of the closed segments queued now, ahead of their own rows, each
   * table whole under the token their delivery uses, so that delivery stores them once: the visit state
   * is read from ClickHouse at start without waiting for the hits' backlog. A phase of the delivery loop,
   * run before its next segment (so never beside a segment's own delivery). Stops at the first failure
   * (delivery still brings them). Resolves once done, or when delivery stops; never rejects.
   */
  deliverSections(): Promise<void>;
}

/** A segment that fails this many times in a row for a local reason (not ClickHouse, not a full disk) is set aside. */
const LOCAL_ATTEMPTS = 5;
/** The same fault is logged again at most this often (a full disk fails every request). */
const LOG_EVERY_MS = 10_000;

export function startSpoolDeliverer(spool: Spool, store: EventStore, opts: DelivererOptions, log: Logger, metrics: Metrics): SpoolDeliverer {
  const { table } = opts;
  let degraded = false;
  let stopping = false;
  let deadline = Number.POSITIVE_INFINITY;
  let running: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  /** The segment whose records are being written one by one (their own tokens), if any. */
  let recordwise: ClosedSegment | undefined;
  /** The segment whose own rows are in and whose sections from SECTION_TABLES[from] on go record by record. */
  let sectionwise: { seg: ClosedSegment; from: number } | undefined;
  let localFailures = 0;
  /**
   * The section tokens (`<segment token>#<table>`) whose rows are in and counted in rowsWritten: a section
   * inserted ahead of its hits (deliverSections) goes in again with its segment under the same token,
   * which ClickHouse drops as a duplicate, so the second insert must not count its rows again. A
   * segment's tokens are forgotten once it is acknowledged.
   */
  const sectionsCounted = new Set<string>();
  /** deliverSections() callers, answered once the loop has run the sections-ahead phase (or stopped). */
  let aheadWaiters: Array<() => void> = [];
  /** flush() callers, answered when the spool is empty or an attempt failed (ClickHouse or the disk down). */
  let flushWaiters: Array<() => void> = [];
  const settleFlushes = () => {
    const waiters = flushWaiters;
    flushWaiters = [];
    for (const w of waiters) w();
  };

  const gauges = () => {
    metrics.spoolBytes.set({ table }, spool.pendingBytes);
    metrics.spoolSetAsideSegments.set({ table }, spool.setAsideSegments);
    metrics.spoolSetAsideRecords.set({ table }, spool.setAsideRecords);
  };
  if (spool.setAsideSegments + spool.setAsideRecords > 0) {
    log.error(
      { table, segments: spool.setAsideSegments, records: spool.setAsideRecords, dir: path.join(spool.dir, 'failed') },
      'acknowledged spool data set aside and not delivered; fix the cause (see the .reason files), then run `calypso spool redeliver`',
    );
  }

  // Disk faults on the append path: every one is counted, a burst is logged once per LOG_EVERY_MS.
  let diskLogged = 0;
  let diskSuppressed = 0;
  let diskFaultAt: number | undefined;
  spool.onDiskError = (err: SpoolDiskError) => {
    metrics.spoolDiskErrors.inc({ table, code: err.errno });
    const now = Date.now();
    diskFaultAt = now;
    if (now - diskLogged < LOG_EVERY_MS) {
      diskSuppressed++;
      return;
    }
    log.error({ table, segment: err.segment, op: err.op, code: err.errno, alike: diskSuppressed }, `the spool disk refused a ${err.op}; the appends it touched were answered 503 (not acknowledged), nothing acknowledged was lost`);
    diskLogged = now;
    diskSuppressed = 0;
  };

  spool.onBackgroundError = (err) => log.error({ table, err: err instanceof Error ? err.message : String(err) }, 'could not close the spool segment');

  const name = (seg: ClosedSegment) => path.basename(seg.file);
  /** flush() callers waiting for the next segment to be delivered (or the loop to end). */
  let onProgress: Array<() => void> = [];
  const progressed = () => {
    const waiting = onProgress;
    onProgress = [];
    for (const resolve of waiting) resolve();
  };

  /**
   * Inserts rows: undefined once in, or why ClickHouse refused them for good (bad rows: the caller goes on
   * without them). `counts` is asked once they are in whether to count them (false: already counted).
   */
  const insert = async (into: string, rows: Buffer, token: string, counts: () => boolean = () => true): Promise<string | undefined> => {
    try {
      await store.insertNdjson(into, rows, token);
      if (counts()) metrics.rowsWritten.inc({ table: into }, countLines(rows));
      return undefined;
    } catch (err) {
      if (!(err instanceof StoreError) || err.retryable || stopping) throw err;
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
    const buf = await fsp.readFile(seg.file);
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
      const refused = await insert(table, Buffer.concat(split.map((r) => r.own)), seg.token);
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
          const why = rows.length === 0 ? undefined : await insert(section, Buffer.concat(rows), token, () => firstIn(token));
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
    try {
      await opts.onDelivered?.(seg);
    } catch (err) {
      log.warn({ table, err: (err as Error).message }, 'could not move the data watermark; cached statistics expire by their TTL');
    }
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

  /** Waits before the next attempt; flush() and close() cut it short. */
  const backOff = (attempt: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      void sleep(Math.min(200 * 2 ** attempt, 5_000)).then(resolve);
    });

  // The last fault logged, so a fault that lasts is logged once, not at every retry.
  let lastFault = '';
  const fault = (kind: string, level: 'warn' | 'error', fields: Record<string, unknown>, msg: string) => {
    if (kind === lastFault) return;
    lastFault = kind;
    log[level]({ table, ...fields }, msg);
  };

  /** A segment that cannot be read: set aside with its reason, loudly. False when even that failed. */
  const setAside = async (seg: ClosedSegment, why: string): Promise<boolean> => {
    try {
      const { where, reasonError } = await spool.setAside(seg, why, recordwise === seg);
      gauges();
      log.error({ table, segment: name(seg), where, err: why }, 'spool segment could not be delivered; set aside (calypso spool redeliver once the cause is fixed)');
      if (reasonError !== undefined) log.error({ table, segment: name(seg), reason: why, err: reasonError }, 'the reason file of a set-aside spool segment could not be written');
      return true;
    } catch (err) {
      log.error({ table, segment: name(seg), reason: why, err: (err as Error).message }, 'spool segment could not be set aside either; it stays queued');
      return false;
    }
  };

  /**
   * The sections-ahead phase (deliverSections): each queued segment's sections, whole, under the tokens
   * its delivery uses. Run by the loop between two segments, so no delivery of the same segment runs
   * beside it: one gone record by record could otherwise insert the rows under its records' tokens while
   * the same rows went in under the segment's, and store them twice.
   */
  const sectionsAhead = async (): Promise<void> => {
    try {
      for (const seg of [...spool.queued]) {
        // Record by record (set aside once, or its rows refused): its own delivery brings its sections.
        if (seg.firstRecord !== undefined || recordwise === seg || sectionwise?.seg === seg) continue;
        const buf = await fsp.readFile(seg.file).catch((err: unknown) => {
          if (errnoOf(err) === 'ENOENT') return undefined; // gone: the loop reports it
          throw err;
        });
        if (buf === undefined) continue;
        const split = decodeSegment(buf).records.map(splitSections);
        for (const section of SECTION_TABLES) {
          const rows = split.flatMap((r) => r.sections.get(section) ?? []);
          const token = `${seg.token}#${section}`;
          // Refused: its delivery sets the refused records aside as usual.
          if (rows.length > 0 && (await insert(section, Buffer.concat(rows), token, () => firstIn(token))) !== undefined) return;
        }
      }
    } catch (err) {
      log.warn({ table, err: err instanceof Error ? err.message : String(err) }, 'could not deliver the spooled visit rows ahead of their hits; they come with them');
    }
  };
  const answerAhead = () => {
    const waiting = aheadWaiters;
    aheadWaiters = [];
    for (const resolve of waiting) resolve();
  };

  const loop = async (): Promise<void> => {
    let attempt = 0;
    for (;;) {
      if (aheadWaiters.length > 0 && !stopping) {
        const asked = aheadWaiters;
        aheadWaiters = [];
        await sectionsAhead();
        for (const resolve of asked) resolve();
      }
      const seg = spool.peek();
      if (seg === undefined) return;
      if (stopping && Date.now() >= deadline) return; // left on disk for the next start
      try {
        await deliverOne(seg);
        progressed();
        attempt = 0;
        localFailures = 0;
        if (lastFault !== '') log.info({ table, after: lastFault }, 'spool delivery recovered');
        lastFault = '';
        degraded = false;
        gauges();
      } catch (err) {
        // Stopping: whatever failed stays on disk for the next start, never set aside in a hurry.
        if (stopping) return;
        const message = err instanceof Error ? err.message : String(err);
        if (err instanceof StoreError && err.retryable) {
          metrics.clickhouseErrors.inc({ retryable: 'true' });
          degraded = true;
          fault('clickhouse', 'warn', { segment: name(seg), err: message, pendingBytes: spool.pendingBytes }, 'ClickHouse unavailable; hits stay in the spool');
        } else if (isDiskFull(err)) {
          // A set-aside copy or a damaged range could not be kept: nothing is lost, try again once space is freed.
          fault('disk', 'error', { segment: name(seg), err: message }, 'the spool disk is full; the segment stays queued until space is freed');
        } else if (errnoOf(err) === 'ENOENT' && !fs.existsSync(seg.file)) {
          spool.forget(seg);
          metrics.spoolLostSegments.inc({ table });
          log.error({ table, segment: name(seg) }, 'a spool segment vanished from disk before delivery (removed by hand?); its events are lost');
          continue;
        } else if (++localFailures < LOCAL_ATTEMPTS) {
          fault(`local:${name(seg)}`, 'error', { segment: name(seg), err: message }, 'spool segment could not be delivered; trying again');
        } else {
          localFailures = 0;
          if (await setAside(seg, message)) continue;
        }
        settleFlushes();
        await backOff(attempt++);
      }
    }
  };

  const run = (): Promise<void> => {
    running ??= loop()
      .catch((err: unknown) => log.error({ table, err: err instanceof Error ? err.message : String(err) }, 'spool delivery stopped on an unexpected error; it restarts at the next segment'))
      .finally(() => {
        running = undefined;
        gauges();
        settleFlushes();
        progressed();
        // Asked while the loop was ending: the next loop runs the phase; stopping, nothing is left to run.
        if (stopping) answerAhead();
        else if (aheadWaiters.length > 0) void run();
      });
    return running;
  };

  spool.onSegment = () => {
    metrics.spoolBytes.set({ table }, spool.pendingBytes);
    void run();
  };
  const timer = setInterval(() => {
    spool.rotate().catch((err: unknown) => log.error({ table, err: err instanceof Error ? err.message : String(err) }, 'could not close the spool segment'));
  }, opts.flushIntervalMs);
  timer.unref();
  gauges();
  void run(); // replay what an earlier run left

  return {
    get degraded() {
      return degraded;
    },
    get diskFaultAt() {
      return diskFaultAt;
    },
    async flush() {
      await spool.rotate();
      // What was closed before now, not what keeps arriving: under steady traffic whose delivery lags
      // (a busy engine) the spool is never empty, and an erasure waiting for that never went on.
      const upTo = spool.lastClosedSeq;
      wake?.();
      while ((spool.peek()?.seq ?? Number.POSITIVE_INFINITY) <= upTo) {
        let failed = false;
        const next = new Promise<void>((resolve) => {
          onProgress.push(resolve);
          flushWaiters.push(() => ((failed = true), resolve()));
        });
        void run();
        await next;
        if (failed || degraded) return;
      }
    },
    async close(until = Number.POSITIVE_INFINITY) {
      clearInterval(timer);
      stopping = true;
      deadline = until;
      await spool.close();
      wake?.();
      const left = deadline - Date.now();
      if (left <= 0) return;
      if (!Number.isFinite(left)) return run();
      const ac = new AbortController();
      await Promise.race([run(), sleep(left, undefined, { signal: ac.signal }).catch(() => {})]);
      ac.abort();
    },
    async idle() {
      await running;
    },
    deliverSections() {
      if (stopping) return Promise.resolve();
      const done = new Promise<void>((resolve) => aheadWaiters.push(resolve));
      // Cut a back-off short: the phase runs before the next attempt.
      wake?.();
      void run();
      return done;
    },
  };
}


function countLines(ndjson: Buffer): number {
  let n = 0;
  for (let i = ndjson.indexOf(0x0a); i !== -1; i = ndjson.indexOf(0x0a, i + 1)) n++;
  return n;
}
