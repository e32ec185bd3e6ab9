// The spool's disk faults, told apart once: a disk that cannot take a write now (full, over quota,
// failing) is answered like a spool over its budget (503 + Retry-After: nothing of the request was
// acknowledged), and a full disk is waited out, never a reason to set acknowledged rows aside.
import { SpoolFullError } from './spoolErrors.ts';

/** Errno codes of a disk that refuses a write; anything else on these paths is a bug and stays a 500. */
const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG', 'EMFILE', 'ENFILE']);
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

export type DiskOp = 'open' | 'write' | 'fdatasync' | 'close';

/** An append the spool's disk refused: not acknowledged, so the client may send all of it again. */
export class SpoolDiskError extends SpoolFullError {
  override name = 'SpoolDiskError';
  /** The errno code (ENOSPC, EDQUOT, EIO, …); `code` is the catalogue's SERVICE_UNAVAILABLE. */
  readonly errno: string;
  readonly op: DiskOp;
  /** The segment file's name. */
  readonly segment: string;
  constructor(op: DiskOp, segment: string, cause: NodeJS.ErrnoException) {
    // NOTE: the message may reach clients (GraphQL): the file and errno stay in the fields, for the logs.
    super('the disk cannot take more data now; retry later', { cause });
    this.errno = cause.code ?? 'EIO';
    this.op = op;
    this.segment = segment;
  }
}

export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for the errno codes of a disk that cannot take a write now. */
export function isDiskError(err: unknown): err is NodeJS.ErrnoException {
  const code = errnoOf(err);
  return code !== undefined && DISK_CODES.has(code);
}

/** A full file system or quota: it clears when space is freed, so whatever failed is retried. */
export function isDiskFull(err: unknown): boolean {
  const code = errnoOf(err);
  return code !== undefined && FULL_CODES.has(code);
}
