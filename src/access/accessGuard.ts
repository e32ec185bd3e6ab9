// Rate limits of the API (policy 6.1): failed authentications per client address, and requests per key.
// Shared by /graphql and every REST route of one process, so failures anywhere count together.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import { createClientIp, type ClientIp } from '../collect/clientIp.ts';
import { createRateLimiter } from '../collect/rateLimiter.ts';
import { ApiError, ErrorCode } from '../errors/apiError.ts';
import type { RequestAccess } from './requestAccess.ts';

export interface AccessGuardOptions {
  /** Failed authentications (no key, an unknown or a revoked one) an address may make per minute; as many at once. */
  authFailuresPerMinute: number;
  /** Requests per second per key (bursts of twice that). */
  perKeyPerSecond: number;
  trustedProxies: readonly string[];
}

export interface AccessGuard {
  readonly clientIp: ClientIp;
  /**
   * The refusal for an address over its failed-authentication budget, else undefined. Asked before
   * anything else of a request (before its body is read), so a flood costs no audit row and no parse.
   */
  blocked(ip: string, now?: number): ApiError | undefined;
  /**
   * Once who is asking is known: a failed authentication is counted against the address (the one that
   * goes over is refused already); a live key takes one request from its budget. The refusal, or undefined.
   */
  admit(ip: string, access: RequestAccess, now?: number): ApiError | undefined;
}

export function createAccessGuard(opts: AccessGuardOptions): AccessGuard {
  const failures = createRateLimiter({ perSecond: opts.authFailuresPerMinute / 60, burst: opts.authFailuresPerMinute });
  const perKey = createRateLimiter({ perSecond: opts.perKeyPerSecond, maxKeys: 10_000 });
  // NOTE: raw client addresses, in memory only, bounded, never written or logged (as the collector's limiter).
  const until = new LRUCache<string, number>({ max: 100_000 });
  const limited = (message: string, seconds: number) => new ApiError(ErrorCode.RATE_LIMITED, message, { retryAfter: Math.max(1, seconds) });
  // One failure's worth of refill: how long an address refused for its failures stays refused after each
  // further request. NOTE: so a client that keeps sending while refused stays refused (a flood ends in
  // 429s, not in a 401 each time a token comes back); one that waits out Retry-After is heard again.
  const penaltyMs = Math.ceil(60_000 / opts.authFailuresPerMinute);
  const blockedFor = (ip: string, now: number) => {
    const t = until.get(ip);
    if (t === undefined || t <= now) return 0;
    const next = Math.max(t, now + penaltyMs);
    if (next !== t) until.set(ip, next);
    return Math.ceil((next - now) / 1000);
  };
  return {
    clientIp: createClientIp(opts.trustedProxies),
    blocked(ip, now = Date.now()) {
      const wait = blockedFor(ip, now);
      return wait === 0 ? undefined : limited('too many failed authentications from this address; retry later', wait);
    },
    admit(ip, access, now = Date.now()) {
      if (access.auth.kind !== 'ok') {
        const wait = failures.take(ip, 1, now);
        if (wait === 0) return undefined;
        until.set(ip, now + wait * 1000);
        return limited('too many failed authentications from this address; retry later', wait);
      }
      const wait = perKey.take(access.auth.key.id, 1, now);
      return wait === 0 ? undefined : limited('this API key is over its request rate (CALYPSO_RATE_LIMIT_PER_KEY); retry later', wait);
    },
  };
}

/** A refusal on /graphql before Apollo: the GraphQL error shape, with the catalogue's status and Retry-After. */
export function sendGraphqlRefusal(req: IncomingMessage, res: ServerResponse, err: ApiError): void {
  req.resume(); // the body is drained, not read
  const text = `${JSON.stringify({ errors: [{ message: err.message, extensions: { code: err.code } }] })}\n`;
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) };
  if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter);
  res.writeHead(err.status, headers);
  res.end(text);
}

/** A refusal thrown from Apollo's context function: Apollo answers it with this status and Retry-After. */
export function refusalError(err: ApiError): GraphQLError {
  const headers = new HeaderMap();
  if (err.retryAfter !== undefined) headers.set('retry-after', String(err.retryAfter));
  return new GraphQLError(err.message, { extensions: { code: err.code, http: { status: err.status, headers } } });
}
