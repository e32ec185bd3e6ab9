// The one helper of every authorised REST route (/v1/segments, /v1/subjects/export, /v1/import, and
// whatever comes next): who is asking (Authorization, through requestAccess), why (X-Calypso-Purpose),
// where (the sites the request names, by the site rule of siteScope.ts), the rate limits (accessGuard.ts),
// the audit row, and one error body (sendError). The same codes and statuses as GraphQL. No route reads
// Authorization itself.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditTally } from '../audit/auditTally.ts';
import type { AuditRow, AuditSink } from '../audit/auditTrail.ts';
import { ApiError, ErrorCode } from '../errors/apiError.ts';
import { sendError } from '../http/respond.ts';
import { nowSql } from '../store/sqlTime.ts';
import type { AccessGuard } from './accessGuard.ts';
import type { ApiKeyStore } from './apiKeyStore.ts';
import { checkAccess } from './checkAccess.ts';
import type { Purpose } from './purposes.ts';
import { requestAccess, type RequestAccess, type SessionKeys } from './requestAccess.ts';

export interface RestAccessDeps {
  keys: ApiKeyStore;
  guard: AccessGuard;
  /** Where refused requests and look-ups are summed (one row per second per kind). */
  tally: AuditTally;
  /** Where every other request is one row. */
  sink: AuditSink;
  /** Dashboard sessions, which stand in for a key on same-origin requests that declare a purpose. */
  sessions?: SessionKeys;
}

/** Who asked, resolved once per request. */
export interface Caller {
  readonly access: RequestAccess;
  readonly ip: string;
  readonly started: number;
  /** Set once the rate limits have been applied to this request (checks may run twice: before and after the input). */
  admitted: boolean;
}

/** The codes that mean "refused for who, why or where" (audited as denied, summed). */
const DENIED: ReadonlySet<string> = new Set([ErrorCode.UNAUTHENTICATED, ErrorCode.KEY_REVOKED, ErrorCode.PURPOSE_REQUIRED, ErrorCode.PURPOSE_NOT_ALLOWED, ErrorCode.FORBIDDEN, ErrorCode.RATE_LIMITED]);

export interface RestAccess {
  /**
   * Who is asking: without a promise when the key is in the copy in hand (the hot paths). Throws the
   * RATE_LIMITED ApiError for an address over its failed-authentication budget, before anything is read.
   */
  caller(req: IncomingMessage): Caller | Promise<Caller>;
  /**
   * Throws the ApiError of the first refusal: key, purpose (one of `purposes`), sites (each within the
   * key's), then the rate limits (once per request). A route checks before reading its input (an
   * unauthenticated caller learns nothing from a 400) and again with the sites the input names.
   */
  check(caller: Caller, route: string, purposes: ReadonlySet<Purpose>, sites: readonly string[]): void;
  /** Audits a request answered: summed (`summed`, the look-ups) or one row of its own. */
  done(caller: Caller, route: string, sites: readonly string[], rows: number, detail?: string, summed?: boolean): void;
  /**
   * Answers and audits a failure: an ApiError with its status and body (refusals summed); anything else
   * is audited as INTERNAL_SERVER_ERROR and rethrown, for the server to answer.
   */
  fail(res: ServerResponse, caller: Caller | undefined, route: string, sites: readonly string[], err: unknown, summed?: boolean): void;
}

export function createRestAccess(deps: RestAccessDeps): RestAccess {
  const { keys, guard, tally, sink } = deps;
  const callerOf = (access: RequestAccess, ip: string, started: number): Caller => ({ access, ip, started, admitted: false });

  const row = (caller: Caller | undefined, route: string, sites: readonly string[], outcome: AuditRow['outcome'], code: string, rows: number, detail: string): AuditRow => {
    const auth = caller?.access.auth;
    // Bounded on its way in, by the tally and the sink alike (auditBounds.ts): not here a second time.
    return {
      ts: '',
      key_id: auth?.kind === 'ok' || auth?.kind === 'revoked' ? auth.key.id : '',
      purpose: caller?.access.purposeText ?? '',
      operation: route,
      fields: [route],
      sites: sites as string[],
      outcome,
      code,
      rows,
      duration_ms: caller === undefined ? 0 : performance.now() - caller.started,
      detail,
    };
  };
  /** A row to the tally, or stamped and written on its own. */
  const write = (r: AuditRow, summed: boolean) => {
    if (summed) return tally.count(r);
    sink.record({ ...r, ts: nowSql(), duration_ms: Math.round(r.duration_ms) });
  };

  return {
    caller(req) {
      const started = performance.now();
      const ip = guard.clientIp(req);
      const blocked = guard.blocked(ip);
      if (blocked !== undefined) {
        req.resume(); // the body is drained, not read
        throw blocked;
      }
      const access = requestAccess(req, undefined, keys, deps.sessions);
      return access instanceof Promise ? access.then((a) => callerOf(a, ip, started)) : callerOf(access, ip, started);
    },
    check(caller, route, purposes, sites) {
      if (!caller.admitted) {
        caller.admitted = true;
        const refused = guard.admit(caller.ip, caller.access);
        if (refused !== undefined) throw refused;
      }
      const denial = checkAccess(caller.access, route, purposes, sites);
      if (denial !== undefined) throw new ApiError(denial.code, denial.message);
    },
    done(caller, route, sites, rows, detail = '', summed = false) {
      write(row(caller, route, sites, 'allowed', '', rows, detail), summed);
    },
    fail(res, caller, route, sites, err, summed = false) {
      if (!(err instanceof ApiError)) {
        write(row(caller, route, sites, 'error', ErrorCode.INTERNAL_SERVER_ERROR, 0, ''), summed);
        throw err;
      }
      if (!res.headersSent) sendError(res, err);
      const denied = DENIED.has(err.code);
      // A refusal of an address already over its budget is answered, not audited: the flood stays out of the trail.
      if (err.code === ErrorCode.RATE_LIMITED && caller === undefined) return;
      write(row(caller, route, sites, denied ? 'denied' : 'error', err.code, 0, ''), summed || denied);
    },
  };
}
