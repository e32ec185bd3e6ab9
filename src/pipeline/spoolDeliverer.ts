// Moves closed spool segments into ClickHouse, oldest first, one insert per segment with the segment's
// token: a retry, or a replay after a crash, inserts the same rows under the same token and ClickHouse
// drops the duplicate (non_replicated_deduplication_window on the table).
import fsp from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { EventStore } from '../store/eventStore.ts';
import { StoreError } from '../store/storeError.ts';
import type { ClosedSegment, Spool } from './spool.ts';
import { decodeSegment } from './spoolRecord.ts';

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
  /** Closes the active segment and delivers it and every segment before it; resolves once they are in ClickHouse. */
  flush(): Promise<void>;
  /** Stops the timer, closes the spool and tries one last delivery; what fails stays on disk for the next start. */
  close(): Promise<void>;
}

export function startSpoolDeliverer(spool: Spool, store: EventStore, opts: DelivererOptions, log: Logger, metrics: Metrics): SpoolDeliverer {
  let degraded = false;
  let stopping = false;
  let running: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  /** Flushes waiting for the next segment to be delivered (or the loop to end). */
  let onProgress: Array<() => void> = [];
  const progressed = () => {
    const waiting = onProgress;
    onProgress = [];
    for (const resolve of waiting) resolve();
  };

  const deliverOne = async (seg: ClosedSegment): Promise<void> => {
    const buf = await fsp.readFile(seg.file);
    const decoded = decodeSegment(buf);
    for (const d of decoded.damaged) {
      spool.saveDamaged(seg, d.offset, d.bytes);
      metrics.spoolDamagedRecords.inc();
      log.error({ segment: seg.seq, offset: d.offset, bytes: d.bytes.length }, 'damaged spool record set aside');
    }
    if (decoded.truncatedTail > 0) log.warn({ segment: seg.seq, bytes: decoded.truncatedTail }, 'torn write at the end of a spool segment ignored (never acknowledged)');
    const body = Buffer.concat(decoded.records).toString('utf8');
    const started = performance.now();
    try {
      await store.insertNdjson(opts.table, body, seg.token);
      metrics.eventsWritten.inc(countLines(body));
    } catch (err) {
      if (!(err instanceof StoreError) || err.retryable) throw err;
      // One bad record must not cost the others: write them one by one, set aside only what fails.
      log.error({ err: err.message, segment: seg.seq }, 'ClickHouse refused a spool segment; retrying its records one by one');
      await deliverRecords(seg, decoded.records);
    }
    metrics.flushSeconds.observe((performance.now() - started) / 1000);
    await spool.ack(seg);
    try {
      await opts.onDelivered?.(seg);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not move the data watermark; cached statistics expire by their TTL');
    }
  };

  // Each record gets a token of its own, stable across replays, so a retry or a crash cannot double it.
  const deliverRecords = async (seg: ClosedSegment, records: Buffer[]): Promise<void> => {
    for (const [i, rec] of records.entries()) {
      const body = rec.toString('utf8');
      try {
        await store.insertNdjson(opts.table, body, `${seg.token}/${i}`);
        metrics.eventsWritten.inc(countLines(body));
      } catch (err) {
        if (!(err instanceof StoreError) || err.retryable) throw err;
        spool.saveFailed(seg, i, rec, err.message);
        metrics.spoolFailedRecords.inc();
        log.error({ err: err.message, segment: seg.seq, record: i }, 'spool record refused by ClickHouse; set aside');
      }
    }
  };

  const loop = async (): Promise<void> => {
    let attempt = 0;
    for (let seg = spool.peek(); seg !== undefined; seg = spool.peek()) {
      try {
        await deliverOne(seg);
        progressed();
        attempt = 0;
        if (degraded) log.info('ClickHouse writes recovered; delivering the spool');
        degraded = false;
      } catch (err) {
        const retryable = err instanceof StoreError && err.retryable;
        metrics.clickhouseErrors.inc({ retryable: String(retryable) });
        if (!retryable) {
          // Not a ClickHouse refusal of the rows (those are handled record by record): e.g. an unreadable file.
          const where = await spool.setAside(seg, (err as Error).message);
          log.error({ err: (err as Error).message, segment: seg.seq, where }, 'spool segment could not be delivered; set aside');
          progressed();
          continue;
        }
        if (!degraded) log.warn({ err: (err as Error).message, pendingBytes: spool.pendingBytes }, 'ClickHouse unavailable; hits stay in the spool');
        degraded = true;
        if (stopping) return; // left on disk for the next start
        await new Promise<void>((resolve) => {
          wake = resolve;
          void sleep(Math.min(200 * 2 ** attempt++, 5_000)).then(resolve);
        });
      }
    }
  };

  const run = (): Promise<void> => {
    if (running === undefined) {
      running = loop().finally(() => {
        running = undefined;
        progressed();
        metrics.spoolBytes.set({ table: opts.table }, spool.pendingBytes);
      });
    }
    return running;
  };

  spool.onSegment = () => {
    metrics.spoolBytes.set({ table: opts.table }, spool.pendingBytes);
    void run();
  };
  const timer = setInterval(() => void spool.rotate(), opts.flushIntervalMs);
  timer.unref();
  void run(); // replay what an earlier run left

  return {
    get degraded() {
      return degraded;
    },
    async flush() {
      await spool.rotate();
      // What was appended before now, not what keeps arriving: under steady traffic whose delivery lags
      // (a busy engine) the spool is never empty, and an erasure waiting for that never went on.
      const upTo = spool.lastClosedSeq;
      wake?.();
      while ((spool.peek()?.seq ?? Number.POSITIVE_INFINITY) <= upTo) {
        const next = new Promise<void>((resolve) => onProgress.push(resolve));
        void run();
        await next;
        if (degraded) return;
      }
    },
    async close() {
      clearInterval(timer);
      stopping = true;
      await spool.close();
      wake?.();
      await run();
    },
  };
}

function countLines(ndjson: string): number {
  let n = 0;
  for (let i = ndjson.indexOf('\n'); i !== -1; i = ndjson.indexOf('\n', i + 1)) n++;
  return n;
}
