// Storage failures, classified once so callers never retry blindly.
import { ClickHouseError } from '@clickhouse/client';

/** ClickHouse server codes worth retrying: overload, timeouts, replicas catching up. */
const RETRYABLE_CODES = new Set([
  '159', // TIMEOUT_EXCEEDED
  '164', // READONLY (replica temporarily read-only)
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '203', // NO_FREE_CONNECTION
  '209', // SOCKET_TIMEOUT
  '210', // NETWORK_ERROR
  '241', // MEMORY_LIMIT_EXCEEDED
  '242', // TABLE_IS_READ_ONLY
  '243', // NOT_ENOUGH_SPACE: the rows are fine, the disk is not; they go in once space returns
  '252', // TOO_MANY_PARTS
  '319', // UNKNOWN_STATUS_OF_INSERT
  '425', // SYSTEM_ERROR
]);
const RETRYABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ENOSPC', 'EDQUOT']);
/**
 * A full disk under the engine, whatever code it came with: the embedded chDB failing to write its parts
 * on the same full file system reports it in the message only (often as a generic code such as 1001 or
 * CANNOT_WRITE_TO_FILE_DESCRIPTOR). Such a refusal is not the rows' fault: never set them aside for it.
 */
const NO_SPACE = /No space left on device|\bENOSPC\b|\bEDQUOT\b|Disk quota exceeded|NOT_ENOUGH_SPACE|not enough space|errno: 28\b/i;

/**
 * NOTE: messages are read only up to their first quote: a refusal that quotes a row ("Cannot parse
 * input: … before: '…'") must not become retryable, and so block the spool, because the row says so.
 */
function unquoted(message: string): string {
  return message.split(/['"`]/, 1)[0]!;
}

export class StoreError extends Error {
  override name = 'StoreError';
  readonly retryable: boolean;
  /** The ClickHouse error code, when the engine gave one. */
  readonly code: string | undefined;
  constructor(message: string, opts: { retryable: boolean; code?: string; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.retryable = opts.retryable;
    this.code = opts.code;
  }
}

/**
 * The client's ClickHouseError, or chDB's: chDB's connection throws the class of its own copy of the
 * client's common code, which `instanceof` does not recognise (its code then read as a system error's).
 */
function isClickHouseError(err: unknown): err is ClickHouseError {
  if (err instanceof ClickHouseError) return true;
  const e = err as { constructor?: { name?: unknown }; code?: unknown; type?: unknown } | null;
  return err instanceof Error && e!.constructor?.name === 'ClickHouseError' && typeof e!.code === 'string' && /^\d+$/.test(e!.code) && typeof e!.type === 'string';
}

export function classifyStoreError(err: unknown, what: string): StoreError {
  if (isClickHouseError(err)) {
    return new StoreError(`ClickHouse ${what} failed (code ${err.code}): ${err.message}`, {
      retryable: RETRYABLE_CODES.has(String(err.code)) || NO_SPACE.test(unquoted(err.message)),
      code: String(err.code),
      cause: err,
    });
  }
  const e = err as { code?: unknown; clickhouseCode?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  // chDB gives its code in the message only ("Code: 243. DB::Exception: …").
  const chCode = e.clickhouseCode !== undefined ? String(e.clickhouseCode) : /^Code: (\d+)\./m.exec(message)?.[1];
  const sysCode = typeof e.code === 'string' ? e.code : undefined;
  const timeout = /timeout/i.test(unquoted(message));
  return new StoreError(`ClickHouse ${what} failed: ${message}`, {
    retryable: (chCode !== undefined && RETRYABLE_CODES.has(chCode)) || (sysCode !== undefined && RETRYABLE_SOCKET.has(sysCode)) || timeout || NO_SPACE.test(unquoted(message)),
    code: chCode,
    cause: err,
  });
}

/** MEMORY_LIMIT_EXCEEDED (241): a server gives the code, the embedded engine its code and name in the message. */
export function isMemoryLimitError(err: unknown): boolean {
  return err instanceof StoreError && (err.code === '241' || err.message.includes('MEMORY_LIMIT_EXCEEDED'));
}
