// The local append-only spool: a hit is acknowledged only once its record is fsynced here.
// Records are appended to the active segment in group commits (one write + one fdatasync for all the
// requests waiting); segments are closed by time or size and handed to the delivery loop, which
// inserts each closed segment as one batch whose deduplication token is the segment's name.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { encodeRecord } from './spoolRecord.ts';

export interface SpoolOptions {
  dir: string;
  /** Budget for undelivered segments on disk; appends beyond it are refused (the collector answers 503). */
  maxBytes: number;
  /** A segment is closed once it holds this many bytes. Default 8 MiB. */
  segmentMaxBytes?: number;
}

export interface ClosedSegment {
  readonly seq: number;
  readonly file: string;
  readonly bytes: number;
  /** Stable across restarts, so a replayed segment is deduplicated by ClickHouse. */
  readonly token: string;
  /** What its records were tagged with (the sites of the events); undefined for a segment replayed from disk. */
  readonly tags: ReadonlySet<string> | undefined;
}

export class SpoolFullError extends Error {
  override name = 'SpoolFullError';
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The segment being appended to: written synchronously, made durable by fdatasync in groups. */
interface ActiveSegment {
  seq: number;
  fd: number;
  /** Bytes appended, written or about to be. */
  bytes: number;
  tags: Set<string>;
  /** Records appended since the last write: written together when the next fdatasync starts. */
  unwritten: Buffer[];
  waiters: Waiter[];
  syncing: Promise<void> | undefined;
}

const SEGMENT = /^seg-(\d{16})-([0-9a-f]{16})\.log$/;
const segName = (seq: number, run: string) => `seg-${String(seq).padStart(16, '0')}-${run}.log`;

export class Spool {
  readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentMaxBytes: number;
  private readonly runId: string;
  private nextSeq: number;
  private active: ActiveSegment | undefined;
  private rotating: Promise<void> | undefined;
  private closedSegments: ClosedSegment[] = [];
  private undeliveredBytes = 0;
  private closing = false;
  /** Called whenever a segment is closed and ready for delivery. */
  onSegment: () => void = () => {};

  private constructor(opts: SpoolOptions, existing: ClosedSegment[]) {
    this.dir = opts.dir;
    this.maxBytes = opts.maxBytes;
    this.segmentMaxBytes = opts.segmentMaxBytes ?? 8 * 1024 * 1024;
    this.runId = randomBytes(8).toString('hex');
    this.closedSegments = existing;
    this.undeliveredBytes = existing.reduce((n, s) => n + s.bytes, 0);
    this.nextSeq = (existing.at(-1)?.seq ?? 0) + 1;
  }

  /** Opens the spool; segments left by an earlier run (a crash included) are queued for replay. */
  static async open(opts: SpoolOptions): Promise<Spool> {
    await fsp.mkdir(opts.dir, { recursive: true, mode: 0o700 });
    const existing: ClosedSegment[] = [];
    for (const f of (await fsp.readdir(opts.dir)).sort()) {
      const m = SEGMENT.exec(f);
      if (m === null) continue;
      const seq = Number(m[1]);
      const file = path.join(opts.dir, f);
      existing.push({ seq, file, bytes: (await fsp.stat(file)).size, token: `${m[2]}:${seq}`, tags: undefined });
    }
    return new Spool(opts, existing);
  }

  get pendingBytes(): number {
    return this.undeliveredBytes;
  }

  get pendingSegments(): number {
    return this.closedSegments.length + (this.active === undefined ? 0 : 1);
  }

  /**
   * Resolves once the payload is on disk; rejects with SpoolFullError over budget. Records that arrive
   * while an fdatasync runs are written together (one write to the page cache) when the next one
   * starts, and share it: the group commit.
   */
  append(payload: Buffer, tags: Iterable<string> = []): Promise<void> {
    if (this.closing) return Promise.reject(new SpoolFullError('the spool is closing'));
    const buf = encodeRecord(payload);
    if (this.undeliveredBytes + buf.length > this.maxBytes) return Promise.reject(new SpoolFullError('the spool is over its disk budget'));
    let seg: ActiveSegment;
    try {
      seg = this.active ??= this.openSegment();
    } catch (err) {
      return Promise.reject(err);
    }
    seg.unwritten.push(buf);
    for (const t of tags) seg.tags.add(t);
    seg.bytes += buf.length;
    this.undeliveredBytes += buf.length;
    const durable = new Promise<void>((resolve, reject) => seg.waiters.push({ resolve, reject }));
    this.sync(seg);
    if (seg.bytes >= this.segmentMaxBytes) void this.rotate();
    return durable;
  }

  private openSegment(): ActiveSegment {
    const seq = this.nextSeq++;
    const fd = fs.openSync(path.join(this.dir, segName(seq, this.runId)), 'a', 0o600);
    // The new file's directory entry must be durable too, or a crash could lose a whole fsynced segment.
    const dir = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
    return { seq, fd, bytes: 0, tags: new Set(), unwritten: [], waiters: [], syncing: undefined };
  }

  /** Starts an fdatasync for the waiters so far, unless one is running (it restarts when that ends). */
  private sync(seg: ActiveSegment): void {
    if (seg.syncing !== undefined || seg.waiters.length === 0) return;
    const batch = seg.waiters;
    const data = seg.unwritten.length === 1 ? seg.unwritten[0]! : Buffer.concat(seg.unwritten);
    seg.waiters = [];
    seg.unwritten = [];
    try {
      for (let off = 0; off < data.length; ) off += fs.writeSync(seg.fd, data, off);
    } catch (err) {
      // Not written: not acknowledged, and not counted against the budget.
      seg.bytes -= data.length;
      this.undeliveredBytes -= data.length;
      for (const w of batch) w.reject(err);
      return;
    }
    seg.syncing = new Promise<void>((done) =>
      fs.fdatasync(seg.fd, (err) => {
        for (const w of batch) if (err) w.reject(err);
        else w.resolve();
        done();
      }),
    ).finally(() => {
      seg.syncing = undefined;
      this.sync(seg);
    });
  }

  /** Closes the active segment (if it holds anything) once it is durable, and queues it for delivery. */
  async rotate(): Promise<void> {
    // One rotation at a time; a caller arriving during one rotates what was written since.
    while (this.rotating !== undefined) await this.rotating;
    this.rotating = this.rotateNow().finally(() => (this.rotating = undefined));
    return this.rotating;
  }

  private async rotateNow(): Promise<void> {
    const seg = this.active;
    if (seg === undefined || seg.bytes === 0) return;
    this.active = undefined; // new appends open the next segment
    while (seg.syncing !== undefined || seg.waiters.length > 0) {
      this.sync(seg);
      await seg.syncing;
    }
    fs.closeSync(seg.fd);
    this.closedSegments.push({ seq: seg.seq, file: path.join(this.dir, segName(seg.seq, this.runId)), bytes: seg.bytes, token: `${this.runId}:${seg.seq}`, tags: seg.tags });
    this.onSegment();
  }

  /** The sequence number of the newest closed segment not yet delivered; 0 when there is none. */
  get lastClosedSeq(): number {
    return this.closedSegments.at(-1)?.seq ?? 0;
  }

  /** The oldest closed segment not yet delivered. */
  peek(): ClosedSegment | undefined {
    return this.closedSegments[0];
  }

  /** Deletes a delivered segment. */
  async ack(segment: ClosedSegment): Promise<void> {
    await fsp.rm(segment.file, { force: true });
    this.closedSegments = this.closedSegments.filter((s) => s.seq !== segment.seq);
    this.undeliveredBytes -= segment.bytes;
  }

  /** Moves a segment that can never be delivered aside, keeping it for inspection. */
  async setAside(segment: ClosedSegment, why: string): Promise<string> {
    const dir = path.join(this.dir, 'failed');
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    const dest = path.join(dir, path.basename(segment.file));
    await fsp.rename(segment.file, dest);
    await fsp.writeFile(`${dest}.reason`, `${why}\n`, { mode: 0o600 });
    this.closedSegments = this.closedSegments.filter((s) => s.seq !== segment.seq);
    this.undeliveredBytes -= segment.bytes;
    return dest;
  }

  /** Keeps a record ClickHouse refused, with the reason, for inspection and replay by hand. */
  saveFailed(segment: ClosedSegment, index: number, record: Buffer, why: string): void {
    const dir = path.join(this.dir, 'failed');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const base = path.join(dir, `${path.basename(segment.file, '.log')}-${index}`);
    fs.writeFileSync(`${base}.ndjson`, record, { mode: 0o600 });
    fs.writeFileSync(`${base}.reason`, `${why}\n`, { mode: 0o600 });
  }

  /** Keeps damaged bytes found while reading a segment, so nothing is silently thrown away. */
  saveDamaged(segment: ClosedSegment, offset: number, bytes: Buffer): void {
    const dir = path.join(this.dir, 'damaged');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(dir, `${path.basename(segment.file, '.log')}-${offset}.bin`), bytes, { mode: 0o600 });
  }

  /** Refuses new appends and closes the active segment. */
  async close(): Promise<void> {
    this.closing = true;
    await this.rotate();
  }
}
