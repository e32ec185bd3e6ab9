// Buffers rows in memory and writes them to ClickHouse in batches, each with a dedup token so a
// retried batch is written once. Used for the audit log, off the request path. NOTE: unlike hits (the
// spool), audit rows buffered at the moment of a crash are lost; a shutdown flushes them.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { EventStore } from '../store/eventStore.ts';
import { StoreError } from '../store/storeError.ts';

export interface BatcherOptions {
  table: string;
  /** Longest a row waits before a write. */
  flushIntervalMs: number;
  /** A batch is written as soon as it holds this many rows. */
  maxBatch: number;
  /** Rows held in memory before `offer` refuses (back-pressure: the collector answers 503). */
  maxBuffered: number;
  /**
   * Attempts for a retryable failure once the batcher is closing. While running, a retryable failure
   * (store down) is retried until it succeeds, and the full buffer pushes back on the collector. Default 5.
   */
  maxAttemptsWhenClosing?: number;
}

export interface Batcher<T> {
  /** False when the buffer is full: nothing was taken. */
  offer(rows: readonly T[]): boolean;
  readonly buffered: number;
  /** Writes everything buffered; resolves once written. */
  flush(): Promise<void>;
  /** Stops the timer and flushes. */
  close(): Promise<void>;
}

export function createBatcher<T extends object>(store: EventStore, opts: BatcherOptions, log: Logger, metrics: Metrics): Batcher<T> {
  let buffer: T[] = [];
  let writing: Promise<void> = Promise.resolve();
  let closed = false;
  // Rows handed to a write that has not finished: they count against maxBuffered too.
  let inFlight = 0;
  const maxAttemptsWhenClosing = opts.maxAttemptsWhenClosing ?? 5;

  const write = async (rows: T[]): Promise<void> => {
    const token = randomUUID();
    for (let attempt = 1; ; attempt++) {
      try {
        await store.insert(opts.table, rows, token);
        metrics.batchesWritten.inc({ outcome: 'ok' });
        return;
      } catch (err) {
        const retryable = err instanceof StoreError && err.retryable;
        if (!retryable || (closed && attempt >= maxAttemptsWhenClosing)) {
          metrics.batchesWritten.inc({ outcome: 'failed' });
          log.error({ err: (err as Error).message, rows: rows.length, table: opts.table }, 'batch write failed; rows lost');
          return;
        }
        metrics.batchesWritten.inc({ outcome: 'retry' });
        if (attempt === 1) log.warn({ err: (err as Error).message, rows: rows.length, table: opts.table }, 'batch write failed; retrying');
        await sleep(Math.min(100 * 2 ** attempt, 5_000));
      }
    }
  };

  const flush = (): Promise<void> => {
    if (buffer.length > 0) {
      const rows = buffer;
      buffer = [];
      inFlight += rows.length;
      writing = writing.then(() => write(rows)).finally(() => (inFlight -= rows.length));
    }
    const done = writing;
    void done.then(() => metrics.bufferedEvents.set(buffer.length + inFlight));
    return done;
  };

  // While a write is under way (or retrying an outage), new rows gather into the next, larger batch.
  const flushIfIdle = () => {
    if (inFlight === 0) void flush();
  };
  const timer = setInterval(flushIfIdle, opts.flushIntervalMs);
  timer.unref();

  return {
    offer(rows) {
      if (closed || buffer.length + inFlight + rows.length > opts.maxBuffered) return false;
      for (const r of rows) buffer.push(r);
      metrics.bufferedEvents.set(buffer.length + inFlight);
      if (buffer.length >= opts.maxBatch) flushIfIdle();
      return true;
    },
    get buffered() {
      return buffer.length + inFlight;
    },
    flush,
    async close() {
      closed = true;
      clearInterval(timer);
      await flush();
    },
  };
}
