// The local append-only spool: a hit is acknowledged only once its record is fsynced here.
// Records are appended to the active segment in group commits (one write + one fdatasync for all the
// requests waiting); segments are closed by time or size and handed to the delivery loop, which
// inserts each closed segment as one batch whose deduplication token is the segment's name.
// A disk fault (full, over quota, failing) rejects the appends it touched with SpoolDiskError and
// cuts the file back to what was acknowledged: it never throws out of a timer or a callback.
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ActiveSegment, type SegmentOwner } from './activeSegment.ts';
import { keepDamaged, keepRefusedRecord, moveAside, segmentBase } from './spoolAside.ts';
import { SpoolFullError } from './spoolErrors.ts';
import { SpoolDiskError, isDiskError, type DiskOp } from './spoolFaults.ts';
import { HEADER_BYTES, encodeRecord } from './spoolRecord.ts';

export { SpoolFullError } from './spoolErrors.ts';
export { SpoolDiskError } from './spoolFaults.ts';

export interface SpoolOptions {
  dir: string;
  /** Budget for undelivered segments on disk; appends beyond it are refused (the collector answers 503). */
  maxBytes: number;
  /**
   * A segment is closed once it holds this many bytes (or at the deliverer's flush interval). Default 32 MiB.
   * NOTE: each segment is one insert per table, and the embedded engine's cost per row falls with the
   * insert's size (a part per insert, merged later): 8 MiB closed a segment every 0.4 s under batched load
   * (about 9 500 hits), and five such segments in one insert cost 20 % less engine CPU per row. At 32 MiB
   * the flush interval closes it first under that load; delivery holds about twice a segment in memory.
   */
  segmentMaxBytes?: number;
}

export interface ClosedSegment {
  readonly seq: number;
  readonly file: string;
  readonly bytes: number;
  /** Stable across restarts, so a replayed segment is deduplicated by ClickHouse. */
  readonly token: string;
  /**
   * Set for a segment to deliver record by record, record i under `${token}/${firstRecord + i}`: a
   * segment set aside while its records were being written one by one, or one refused record, redelivered.
   */
  readonly firstRecord: number | undefined;
  /** What its records were tagged with (the sites of the events); undefined for a segment replayed from disk. */
  readonly tags: ReadonlySet<string> | undefined;
}

/** Room held in a spool's budget for a record not made yet (Spool.reserve); released once, at its append or its end. */
export interface SpoolRoom {
  release(): void;
}

export const SEGMENT_FILE = /^seg-(\d{16})-([0-9a-f]{16})(?:-r(\d+))?\.log$/;
const segName = (seq: number, run: string) => `${segmentBase(seq, run)}.log`;

/** The closed segment a file name in the spool directory stands for, or undefined for any other file. */
function parseSegmentFile(dir: string, name: string, bytes: number): ClosedSegment | undefined {
  const m = SEGMENT_FILE.exec(name);
  if (m === null) return undefined;
  const seq = Number(m[1]);
  return { seq, file: path.join(dir, name), bytes, token: `${m[2]}:${seq}`, firstRecord: m[3] === undefined ? undefined : Number(m[3]), tags: undefined };
}

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
  /** Room promised to requests admitted but not appended yet (reserve). */
  private reservedBytes = 0;
  private closing = false;
  private readonly asideSegments: Set<string>;
  private readonly asideRecords: Set<string>;
  /** Called whenever a segment is closed and ready for delivery. */
  onSegment: () => void = () => {};
  /** Called for every disk fault on the append path (the owner logs it with its table and counts it). */
  onDiskError: (err: SpoolDiskError) => void = () => {};
  /** Called if a rotation started in the background fails (none should: its faults are caught where they occur). */
  onBackgroundError: (err: unknown) => void = () => {};

  private constructor(opts: SpoolOptions, existing: ClosedSegment[], failed: string[]) {
    this.dir = opts.dir;
    this.maxBytes = opts.maxBytes;
    this.segmentMaxBytes = opts.segmentMaxBytes ?? 32 * 1024 * 1024;
    this.runId = randomBytes(8).toString('hex');
    this.closedSegments = existing;
    this.undeliveredBytes = existing.reduce((n, s) => n + s.bytes, 0);
    this.nextSeq = existing.reduce((n, s) => Math.max(n, s.seq), 0) + 1;
    this.asideSegments = new Set(failed.filter((f) => f.endsWith('.log')));
    this.asideRecords = new Set(failed.filter((f) => f.endsWith('.ndjson')));
  }

  /** Opens the spool; segments left by an earlier run (a crash included) are queued for replay. */
  static async open(opts: SpoolOptions): Promise<Spool> {
    await fsp.mkdir(opts.dir, { recursive: true, mode: 0o700 });
    const existing: ClosedSegment[] = [];
    for (const f of (await fsp.readdir(opts.dir)).sort()) {
      const seg = parseSegmentFile(opts.dir, f, 0);
      if (seg !== undefined) existing.push({ ...seg, bytes: (await fsp.stat(seg.file)).size });
    }
    const failed = await fsp.readdir(path.join(opts.dir, 'failed')).catch(() => []);
    return new Spool(opts, existing, failed);
  }

  get pendingBytes(): number {
    return this.undeliveredBytes;
  }

  /**
   * Whether a payload of this many bytes would be taken now. Checked for every part of a request in the
   * same turn of the event loop as their appends, so over budget means none of them is appended.
   */
  fits(payloadBytes: number): boolean {
    return !this.closing && this.undeliveredBytes + this.reservedBytes + HEADER_BYTES + payloadBytes <= this.maxBytes;
  }

  /**
   * Holds room for a record of about `payloadBytes` that a request admitted now will append later, or
   * undefined when there is none. The holder hands it to its append (which then does not check the budget
   * again) or releases it when it ends without one; until then every other append and reservation sees
   * the room as taken.
   * NOTE: the collector reserves once a body is read, before it looks at the events. Checking for room
   * without holding it let every request in flight pass while the spool was just under its budget: each
   * was then pseudonymised and placed, and refused at its append, and under a flood that work took the
   * main thread from the delivery that empties the spool (docs/performance.md "reserved room, delivery
   * turns, mmap threshold").
   */
  reserve(payloadBytes: number): SpoolRoom | undefined {
    if (!this.fits(payloadBytes)) return undefined;
    const bytes = HEADER_BYTES + payloadBytes;
    this.reservedBytes += bytes;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.reservedBytes -= bytes;
      },
    };
  }

  get pendingSegments(): number {
    return this.closedSegments.length + (this.active === undefined ? 0 : 1);
  }

  /** Whole segments in failed/, never delivered: they wait for `calypso spool redeliver`. */
  get setAsideSegments(): number {
    return this.asideSegments.size;
  }

  /** Single records ClickHouse refused, in failed/: they wait for `calypso spool redeliver`. */
  get setAsideRecords(): number {
    return this.asideRecords.size;
  }

  /**
   * Resolves once the payload is on disk; rejects with SpoolFullError over budget, SpoolDiskError
   * when the disk refuses. Records that arrive while an fdatasync runs are written together (one
   * write to the page cache) when the next one starts, and share it: the group commit.
   */
  append(payload: Buffer | string, tags: Iterable<string> = [], room?: SpoolRoom): Promise<void> {
    if (this.closing) return Promise.reject(new SpoolFullError('the spool is closing'));
    // A text payload is its UTF-8 bytes, encoded straight behind the record's header.
    const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    // Held room was the request's admission: it is taken even if its record outgrew the estimate, so the
    // budget can be passed by what the requests in flight wrote beyond theirs (bounded by the collector's
    // in-flight limits). Without room, refused before it is framed: an over-budget request costs no copy.
    if (room !== undefined) room.release();
    else if (!this.fits(bytes)) return Promise.reject(new SpoolFullError('the spool is over its disk budget'));
    const buf = encodeRecord(payload, bytes);
    let seg: ActiveSegment;
    try {
      seg = this.active ??= this.openSegment();
    } catch (err) {
      return Promise.reject(err);
    }
    const durable = seg.add(buf, tags);
    this.undeliveredBytes += buf.length;
    if (seg.bytes >= this.segmentMaxBytes) this.rotate().catch((err: unknown) => this.onBackgroundError(err));
    return durable;
  }

  /** A disk fault as the appender sees it (SpoolDiskError), reported to the owner; other errors as they are. */
  private fault(op: DiskOp, file: string, err: unknown): unknown {
    if (!isDiskError(err)) return err;
    const e = new SpoolDiskError(op, path.basename(file), err);
    this.onDiskError(e);
    return e;
  }

  private openSegment(): ActiveSegment {
    const seq = this.nextSeq++;
    return new ActiveSegment(seq, path.join(this.dir, segName(seq, this.runId)), this.dir, this.segmentOwner);
  }

  /** What the active segment's faults do to the spool: its budget, and which segment takes appends. */
  private readonly segmentOwner: SegmentOwner = {
    fault: (op, file, err) => this.fault(op, file, err),
    dropped: (bytes) => {
      this.undeliveredBytes -= bytes;
    },
    retire: (seg) => {
      if (this.active !== seg) return;
      this.active = undefined;
      this.closeSegment(() => seg).catch((err: unknown) => this.onBackgroundError(err));
    },
  };

  /** Closes the active segment (if it holds anything) once it is durable, and queues it for delivery. */
  async rotate(): Promise<void> {
    await this.closeSegment(() => {
      const seg = this.active;
      if (seg === undefined || seg.bytes === 0) return undefined;
      this.active = undefined; // new appends open the next segment
      return seg;
    });
  }

  /** One closing at a time, so segments are queued in order; `take` picks the segment once it is our turn. */
  private async closeSegment(take: () => ActiveSegment | undefined): Promise<void> {
    while (this.rotating !== undefined) await this.rotating;
    const seg = take();
    if (seg === undefined) return;
    this.rotating = this.finish(seg).finally(() => (this.rotating = undefined));
    return this.rotating;
  }

  private async finish(seg: ActiveSegment): Promise<void> {
    await seg.close();
    if (seg.bytes === 0) {
      // Nothing in it was acknowledged (every write failed): nothing to deliver.
      await fsp.rm(seg.file, { force: true }).catch(() => {});
      return;
    }
    this.closedSegments.push({ seq: seg.seq, file: seg.file, bytes: seg.bytes, token: `${this.runId}:${seg.seq}`, firstRecord: undefined, tags: seg.tags });
    this.onSegment();
  }

  /** The sequence number of the newest closed segment not yet delivered; 0 when there is none. */
  get lastClosedSeq(): number {
    return this.closedSegments.at(-1)?.seq ?? 0;
  }

  /** The closed segments not yet delivered, oldest first. */
  get queued(): readonly ClosedSegment[] {
    return this.closedSegments;
  }

  /** The oldest closed segment not yet delivered. */
  peek(): ClosedSegment | undefined {
    return this.closedSegments[0];
  }

  /** Drops a segment from the queue without touching its file. */
  forget(segment: ClosedSegment): void {
    this.closedSegments = this.closedSegments.filter((s) => s.seq !== segment.seq || s.file !== segment.file);
    this.undeliveredBytes -= segment.bytes;
  }

  /** Deletes a delivered segment (or forgets one whose file is gone). */
  async ack(segment: ClosedSegment): Promise<void> {
    await fsp.rm(segment.file, { force: true });
    this.forget(segment);
  }

  /**
   * Moves a segment that cannot be delivered into failed/, its reason beside it (see spoolAside.ts).
   * Throws, keeping the segment queued, when it cannot be moved.
   */
  async setAside(segment: ClosedSegment, why: string, recordwise = false): Promise<{ where: string; reasonError: string | undefined }> {
    const moved = await moveAside(this.dir, segment, why, recordwise);
    this.forget(segment);
    this.asideSegments.add(path.basename(moved.where));
    return moved;
  }

  /** Keeps a record ClickHouse refused, with the reason, for `calypso spool redeliver`; throws when the disk refuses. */
  saveFailed(segment: ClosedSegment, index: number, record: Buffer, why: string): string {
    const file = keepRefusedRecord(this.dir, segment, index, record, why);
    this.asideRecords.add(path.basename(file));
    return file;
  }

  /** Keeps damaged bytes found in a segment; false when kept already. Throws when the disk refuses. */
  saveDamaged(segment: ClosedSegment, offset: number, bytes: Buffer): boolean {
    return keepDamaged(this.dir, segment, offset, bytes);
  }

  /** Refuses new appends and closes the active segment (removing it when nothing in it was acknowledged). */
  async close(): Promise<void> {
    this.closing = true;
    await this.closeSegment(() => {
      const seg = this.active;
      this.active = undefined;
      return seg;
    });
  }
}
