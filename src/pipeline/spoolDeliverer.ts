// Moves closed spool segments into ClickHouse, oldest first, one insert per table with the segment's
// token (segmentDelivery.ts): a retry, or a replay after a crash, inserts the same rows under the same
// token and ClickHouse drops the duplicate (non_replicated_deduplication_window on the table).
// Nothing acknowledged is dropped quietly: ClickHouse unavailable or out of space, and a full local disk,
// keep the segment queued and retry; a segment is set aside (failed/, with its reason, a metric and an
// error line naming the table and the segment) only when it cannot be read after several attempts.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { EventStore } from '../store/eventStore.ts';
import { StoreError } from '../store/storeError.ts';
import type { ClosedSegment, Spool } from './spool.ts';
import { createSegmentDelivery } from './segmentDelivery.ts';
import { errnoOf, isDiskFull, type SpoolDiskError } from './spoolFaults.ts';

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
  let localFailures = 0;
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
  const delivery = createSegmentDelivery(spool, store, { table, log, metrics, gauges, isStopping: () => stopping });

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
      const { where, reasonError } = await spool.setAside(seg, why, delivery.isRecordwise(seg));
      gauges();
      log.error({ table, segment: name(seg), where, err: why }, 'spool segment could not be delivered; set aside (calypso spool redeliver once the cause is fixed)');
      if (reasonError !== undefined) log.error({ table, segment: name(seg), reason: why, err: reasonError }, 'the reason file of a set-aside spool segment could not be written');
      return true;
    } catch (err) {
      log.error({ table, segment: name(seg), reason: why, err: (err as Error).message }, 'spool segment could not be set aside either; it stays queued');
      return false;
    }
  };

  const delivered = async (seg: ClosedSegment) => {
    try {
      await opts.onDelivered?.(seg);
    } catch (err) {
      log.warn({ table, err: (err as Error).message }, 'could not move the data watermark; cached statistics expire by their TTL');
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
        await delivery.sectionsAhead();
        for (const resolve of asked) resolve();
      }
      const seg = spool.peek();
      if (seg === undefined) return;
      if (stopping && Date.now() >= deadline) return; // left on disk for the next start
      try {
        await delivery.deliver(seg);
        await delivered(seg);
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

