// The spool's segment being appended to: records are written synchronously and made durable by
// fdatasync in groups (the group commit). What a fault does to the spool as a whole (the budget, which
// segment is active, how the error is reported) is its owner's, through SegmentOwner.
import fs from 'node:fs';
import { fsyncDirLater } from './spoolAside.ts';
import type { DiskOp } from './spoolFaults.ts';
import { unwrittenPieces } from '../store/wholeFile.ts';

/** What a segment tells the spool that holds it. */
export interface SegmentOwner {
  /** The error its appenders are rejected with for this fault (the owner reports it). */
  fault(op: DiskOp, file: string, err: unknown): unknown;
  /** Bytes appended but never acknowledged (a failed write, fdatasync or open): out of the budget. */
  dropped(bytes: number): void;
  /** It takes no more records: if it is the active segment, the next append opens another. */
  retire(seg: ActiveSegment): void;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Writes the records in order, all of them or throwing. Several go in one writev rather than being
 * copied into one buffer first: under batched load a group commit's records are megabytes, and the copy
 * (into memory never touched before, so page faults too) was 8 % of the collector's main thread.
 * A short write goes on from the byte where it stopped.
 */
function writeAll(fd: number, records: readonly Buffer[], length: number): void {
  if (records.length === 1) {
    const data = records[0]!;
    for (let off = 0; off < length; ) off += fs.writeSync(fd, data, off);
    return;
  }
  let rest = records;
  for (let left = length; left > 0; ) {
    const n = fs.writevSync(fd, rest as Buffer[]);
    left -= n;
    rest = unwrittenPieces(rest, n);
  }
}

export class ActiveSegment {
  /** -1 until the file is open. */
  private fd = -1;
  /** Bytes appended, written or about to be. */
  bytes = 0;
  /** Bytes in the file that no failed write or fdatasync has cut back. */
  private written = 0;
  /** Its file could not be cut back after a failed write: it takes no more records. */
  private broken = false;
  readonly tags = new Set<string>();
  /** Records appended since the last write: written together when the next fdatasync starts. */
  private unwritten: Buffer[] = [];
  /**
   * Creating the file and making its directory entry durable, until both succeeded (then undefined):
   * resolves to the error, if any. Records appended meanwhile wait for it, then go in one write.
   */
  private opening: Promise<unknown> | undefined;
  private waiters: Waiter[] = [];
  private syncing: Promise<void> | undefined;
  /** A group commit is due once this turn of the event loop ends (syncSoon). */
  private syncDue = false;

  readonly seq: number;
  readonly file: string;
  private readonly owner: SegmentOwner;

  constructor(seq: number, file: string, dir: string, owner: SegmentOwner) {
    this.seq = seq;
    this.file = file;
    this.owner = owner;
    // Off the event loop: creating a file and fsyncing its directory wait for the file system's journal
    // (0.5 and 2 ms typically, 10-30 ms at p99 on the shared development machine, more under other disk
    // traffic), and a segment opens every second on every spool with traffic: on the loop, that held every
    // request in flight (the segment look-ups' p99, whose audit rows are spooled each second). The new
    // file's directory entry must be durable, or a crash could lose a whole fsynced segment: nothing in
    // it is acknowledged before.
    this.opening = new Promise<unknown>((resolve) =>
      fs.open(file, 'a', 0o600, (err, fd) => {
        if (err) return resolve(err);
        this.fd = fd;
        resolve(fsyncDirLater(dir));
      }),
    );
  }

  /** Queues a framed record; resolves once it is on disk, rejects with the owner's error for a fault. */
  add(record: Buffer, tags: Iterable<string>): Promise<void> {
    this.unwritten.push(record);
    for (const t of tags) this.tags.add(t);
    this.bytes += record.length;
    const durable = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.syncSoon();
    return durable;
  }

  /** Waits until every record added is durable or refused and the file is closed; called once it is retired. */
  async close(): Promise<void> {
    while (this.syncing !== undefined || this.waiters.length > 0) {
      this.sync();
      await this.syncing;
    }
    // Closed at shutdown before anything was appended: its file may still be being created.
    if (this.opening !== undefined) await this.opening;
    if (this.fd === -1) return;
    const fd = this.fd;
    await new Promise<void>((done) =>
      fs.close(fd, (err) => {
        if (err) this.owner.fault('close', this.file, err); // its records were fsynced: they are durable all the same
        done();
      }),
    );
  }

  /**
   * Starts the group commit once this turn of the event loop has run: the requests read in the same
   * turn join one write and one fdatasync, instead of the first of them taking one of its own while the
   * others wait for it to end (under single hits, 12 records per fdatasync at 32 connections; each costs
   * the disk a journal commit and this process a pool thread's wake-up).
   */
  private syncSoon(): void {
    if (this.syncDue) return;
    this.syncDue = true;
    setImmediate(() => {
      this.syncDue = false;
      this.sync();
    });
  }

  /** Starts an fdatasync for the waiters so far, unless one is running (it restarts when that ends). */
  private sync(): void {
    if (this.syncing !== undefined || this.waiters.length === 0) return;
    if (this.opening !== undefined) {
      this.syncing = this.opening
        .then((err) => {
          this.opening = undefined;
          if (err !== undefined) this.refuseUnopened(err);
        })
        .finally(() => {
          this.syncing = undefined;
          this.sync();
        });
      return;
    }
    const batch = this.waiters;
    const records = this.unwritten;
    this.waiters = [];
    this.unwritten = [];
    let length = 0;
    for (const r of records) length += r.length;
    const start = this.written;
    if (this.broken) return this.undo(start, length, batch, 'write', Object.assign(new Error('segment cut short by an earlier fault'), { code: 'EIO' }));
    try {
      writeAll(this.fd, records, length);
    } catch (err) {
      return this.undo(start, length, batch, 'write', err);
    }
    this.written += length;
    this.syncing = new Promise<void>((done) =>
      fs.fdatasync(this.fd, (err) => {
        if (err) this.undo(start, length, batch, 'fdatasync', err);
        else for (const w of batch) w.resolve();
        done();
      }),
    ).finally(() => {
      this.syncing = undefined;
      this.sync();
    });
  }

  /** The file could not be opened: its records are refused, and the next append opens another segment. */
  private refuseUnopened(err: unknown): void {
    const batch = this.waiters;
    this.waiters = [];
    this.unwritten = [];
    this.owner.dropped(this.bytes);
    this.bytes = 0;
    this.broken = true;
    const e = this.owner.fault('open', this.file, err);
    for (const w of batch) w.reject(e);
    // Closed and removed by the owner (nothing in it was acknowledged), so no empty segment is left behind.
    this.owner.retire(this);
  }

  /**
   * A write or its fdatasync failed: none of the batch is acknowledged, nor counted against the budget,
   * and the file is cut back to what was durable before it, so those records are not delivered either
   * (their clients send them again). A file that cannot be cut back takes no more records.
   */
  private undo(start: number, length: number, batch: Waiter[], op: DiskOp, err: unknown): void {
    this.bytes -= length;
    this.owner.dropped(length);
    const e = this.owner.fault(op, this.file, err);
    for (const w of batch) w.reject(e);
    if (!this.broken) {
      try {
        fs.ftruncateSync(this.fd, start);
        this.written = start;
      } catch {
        this.broken = true; // its tail is a torn record, never acknowledged: ignored on delivery
      }
    }
    // After a failed fdatasync the state of the file's cached pages is unknown: start a new segment.
    if (this.broken || op === 'fdatasync') this.owner.retire(this);
  }
}
