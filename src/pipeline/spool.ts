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
}

export class SpoolFullError extends Error {
  override name = 'SpoolFullError';
}

interface Pending {
  buf: Buffer;
  resolve: () => void;
  reject: (err: unknown) => void;
}

// A segment's name carries its token: the run that wrote it and its number in that run. A new run
// never reuses a token, so ClickHouse cannot mistake a new segment for an old one already inserted.
const SEGMENT = /^seg-(\d{16})-([0-9a-f]{16})\.log$/;
const segName = (seq: number, run: string) => `seg-${String(seq).padStart(16, '0')}-${run}.log`;

export class Spool {
  readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentMaxBytes: number;
  private readonly runId: string;
  private nextSeq: number;
  private active: { seq: number; fh: fsp.FileHandle; bytes: number } | undefined;
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
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
      existing.push({ seq, file, bytes: (await fsp.stat(file)).size, token: `${m[2]}:${seq}` });
    }
    return new Spool(opts, existing);
  }

  get pendingBytes(): number {
    return this.undeliveredBytes;
  }

  get pendingSegments(): number {
    return this.closedSegments.length + (this.active === undefined ? 0 : 1);
  }

  /** Resolves once the payload is on disk (fdatasync); rejects with SpoolFullError over budget. */
  append(payload: Buffer): Promise<void> {
    if (this.closing) return Promise.reject(new SpoolFullError('the spool is closing'));
    const buf = encodeRecord(payload);
    if (this.undeliveredBytes + buf.length > this.maxBytes) return Promise.reject(new SpoolFullError('the spool is over its disk budget'));
    this.undeliveredBytes += buf.length;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ buf, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    this.writing ??= this.writeLoop().finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async writeLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      try {
        if (this.active === undefined) {
          const seq = this.nextSeq++;
          this.active = { seq, fh: await fsp.open(path.join(this.dir, segName(seq, this.runId)), 'a', 0o600), bytes: 0 };
        }
        const data = group.length === 1 ? group[0]!.buf : Buffer.concat(group.map((p) => p.buf));
        await this.active.fh.write(data);
        await this.active.fh.datasync();
        this.active.bytes += data.length;
        for (const p of group) p.resolve();
        if (this.active.bytes >= this.segmentMaxBytes) await this.closeActive();
      } catch (err) {
        for (const p of group) {
          this.undeliveredBytes -= p.buf.length;
          p.reject(err);
        }
      }
    }
  }

  private async closeActive(): Promise<void> {
    const a = this.active;
    if (a === undefined) return;
    this.active = undefined;
    // Queued before the close resolves, so a flush that runs meanwhile already sees it (its data is
    // fsynced; only the handle is still open).
    this.closedSegments.push({ seq: a.seq, file: path.join(this.dir, segName(a.seq, this.runId)), bytes: a.bytes, token: `${this.runId}:${a.seq}` });
    await a.fh.close();
    this.onSegment();
  }

  /** Closes the active segment (if it holds anything) after the writes in progress. Called by the flush timer. */
  async rotate(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    if (this.active !== undefined && this.active.bytes > 0) await this.closeActive();
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
