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
  '252', // TOO_MANY_PARTS
  '319', // UNKNOWN_STATUS_OF_INSERT
  '425', // SYSTEM_ERROR
]);
const RETRYABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

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

export function classifyStoreError(err: unknown, what: string): StoreError {
  if (err instanceof ClickHouseError) {
    return new StoreError(`ClickHouse ${what} failed (code ${err.code}): ${err.message}`, {
      retryable: RETRYABLE_CODES.has(String(err.code)),
      code: String(err.code),
      cause: err,
    });
  }
  const e = err as { code?: unknown; clickhouseCode?: unknown; message?: unknown };
  const chCode = e.clickhouseCode !== undefined ? String(e.clickhouseCode) : undefined;
  const sysCode = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const timeout = /timeout/i.test(message);
  return new StoreError(`ClickHouse ${what} failed: ${message}`, {
    retryable: (chCode !== undefined && RETRYABLE_CODES.has(chCode)) || (sysCode !== undefined && RETRYABLE_SOCKET.has(sysCode)) || timeout,
    code: chCode,
    cause: err,
  });
}
