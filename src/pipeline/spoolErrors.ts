// The spool's refusal, in a module of its own so spool.ts and spoolFaults.ts need not import each other.
import { ApiError, ErrorCode } from '../errors/apiError.ts';

/**
 * The spool takes no more now (over its disk budget, closing, or its disk refused): nothing of the
 * request was kept, so all of it may be sent again. A catalogue error, so REST and GraphQL (setConsent)
 * answer 503 SERVICE_UNAVAILABLE with Retry-After alike.
 */
export class SpoolFullError extends ApiError {
  override name = 'SpoolFullError';
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message, { retryAfter: 5, cause: opts.cause });
  }
}
