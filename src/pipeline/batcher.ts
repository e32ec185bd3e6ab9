// Buffers pseudonymised rows and writes them to ClickHouse in batches, each with a dedup token so a
// retried batch is written once. The durable disk spool in front of it is the collector issue's work.
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
  /** Attempts for a retryable failure before the batch is given up. Default 5. */
  maxAttempts?: number;
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
  const maxAttempts = opts.maxAttempts ?? 5;

  const write = async (rows: T[]): Promise<void> => {
    const token = randomUUID();
    for (let attempt = 1; ; attempt++) {
      try {
        await store.insert(opts.table, rows, token);
        metrics.batchesWritten.inc({ outcome: 'ok' });
        return;
      } catch (err) {
        const retryable = err instanceof StoreError && err.retryable;
        if (!retryable || attempt >= maxAttempts) {
          metrics.batchesWritten.inc({ outcome: 'failed' });
          log.error({ err: (err as Error).message, rows: rows.length, table: opts.table }, 'batch write failed; rows lost');
          return;
        }
        metrics.batchesWritten.inc({ outcome: 'retry' });
        await sleep(Math.min(100 * 2 ** attempt, 5_000));
      }
    }
  };

  const flush = (): Promise<void> => {
    if (buffer.length > 0) {
      const rows = buffer;
      buffer = [];
      writing = writing.then(() => write(rows));
    }
    const done = writing;
    void done.then(() => metrics.bufferedEvents.set(buffer.length));
    return done;
  };

  const timer = setInterval(() => void flush(), opts.flushIntervalMs);
  timer.unref();

  return {
    offer(rows) {
      if (closed || buffer.length + rows.length > opts.maxBuffered) return false;
      for (const r of rows) buffer.push(r);
      metrics.bufferedEvents.set(buffer.length);
      if (buffer.length >= opts.maxBatch) void flush();
      return true;
    },
    get buffered() {
      return buffer.length;
    },
    flush,
    async close() {
      closed = true;
      clearInterval(timer);
      await flush();
    },
  };
}
