// The look-up fast path for ad servers: GET /v1/segments?site=…&cookie=… and POST /v1/segments
// {"site", "cookies": [...]}, with the same key, purpose (ADVERTISING), checks and answers as the
// GraphQL look-ups, without the GraphQL machinery. Audited through a per-second tally.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENT_LIMITS, isCookieId } from '../collect/validateEvent.ts';
import type { ApiKeyStore } from '../access/apiKeyStore.ts';
import { checkAccess, denialStatus, type Denial } from '../access/checkAccess.ts';
import { requestAccess } from '../access/requestAccess.ts';
import type { AuditTally } from '../audit/auditTally.ts';
import type { AuditRow } from '../audit/auditTrail.ts';
import { ApiError } from '../errors/apiError.ts';
import { readJson } from '../http/readBody.ts';
import { sendJson } from '../http/respond.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import { segmentsFor, type SegmentLookup } from './segmentLookup.ts';
import { MAX_BATCH_COOKIES } from './segmentResolvers.ts';

const ADVERTISING = new Set(['ADVERTISING'] as const);
// The same bound as a hit's `cid`.
const MAX_COOKIE_LENGTH = EVENT_LIMITS.maxCidLength;

export interface SegmentsRouteDeps {
  keys: ApiKeyStore;
  sites: SiteStore;
  lookup: SegmentLookup;
  tally: AuditTally;
}

interface Input {
  site: string;
  cookies: string[];
  batch: boolean;
}

class RequestError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function createSegmentsRoute(deps: SegmentsRouteDeps) {
  const { keys, sites, lookup, tally } = deps;

  // The common case waits only on the index: the key and the site come from the copies in hand.
  const answer = async (req: IncomingMessage, res: ServerResponse, route: string, parse: () => Input | Promise<Input>) => {
    const started = performance.now();
    const resolved = requestAccess(req.headers, undefined, keys);
    const access = resolved instanceof Promise ? await resolved : resolved;
    const keyId = access.auth.kind === 'ok' || access.auth.kind === 'revoked' ? access.auth.key.id : '';
    let site = '';
    try {
      // Who and why first, then the input: an unauthenticated caller learns nothing from a 400.
      deny(checkAccess(access, route, ADVERTISING, []));
      const parsed = parse();
      const input = parsed instanceof Promise ? await parsed : parsed;
      site = input.site;
      deny(checkAccess(access, route, ADVERTISING, [site]));
      const found = sites.peek(site) ?? (await sites.get(site));
      if (found === undefined) throw new RequestError(404, 'NOT_FOUND', `site "${site.slice(0, 64)}" does not exist`);
      const result = await lookup.lookup(found, input.cookies);
      const headers: Record<string, string> = result.degraded ? { 'x-calypso-degraded': 'segment-index' } : {};
      const body = input.batch
        ? { results: result.cookies.map((c, i) => ({ cookie: input.cookies[i], segments: segmentsFor('advertising', c) })) }
        : { segments: segmentsFor('advertising', result.cookies[0]!) };
      sendJson(res, 200, body, headers);
      tally.count(auditRow(keyId, access.purposeText, route, site, 'allowed', '', input.cookies.length, started));
    } catch (err) {
      if (!(err instanceof RequestError)) {
        // A failure of ours (the store down during a fallback): counted too, then answered by the server.
        tally.count(auditRow(keyId, access.purposeText, route, site, 'error', 'INTERNAL_SERVER_ERROR', 0, started));
        throw err;
      }
      sendJson(res, err.status, { error: err.message, code: err.code });
      const denied = err.status === 401 || err.status === 403;
      tally.count(auditRow(keyId, access.purposeText, route, site, denied ? 'denied' : 'error', err.code, 0, started));
    }
  };

  return {
    get: (req: IncomingMessage, res: ServerResponse) =>
      answer(req, res, 'GET /v1/segments', () => {
        // The query string alone: no URL object per look-up.
        const url = req.url ?? '';
        const q = new URLSearchParams(url.slice(url.indexOf('?') + 1 || url.length));
        return { site: required(q.get('site'), 'site'), cookies: [cookie(q.get('cookie'), 'cookie')], batch: false };
      }),
    post: (req: IncomingMessage, res: ServerResponse) =>
      answer(req, res, 'POST /v1/segments', async () => {
        let body: unknown;
        try {
          body = await readJson(req, 1024 * 1024);
        } catch (err) {
          // Over the limit is 413, as everywhere else; the code stays BAD_USER_INPUT (the caller must send less).
          throw new RequestError(err instanceof ApiError ? err.status : 400, 'BAD_USER_INPUT', err instanceof Error ? err.message : 'body must be JSON');
        }
        const o = (body ?? {}) as { site?: unknown; cookies?: unknown };
        if (!Array.isArray(o.cookies) || o.cookies.length === 0 || o.cookies.length > MAX_BATCH_COOKIES) {
          throw new RequestError(400, 'BAD_USER_INPUT', `cookies must be a list of 1 to ${MAX_BATCH_COOKIES} cookie ids`);
        }
        return { site: required(o.site, 'site'), cookies: o.cookies.map((c, i) => cookie(c, `cookies[${i}]`)), batch: true };
      }),
  };
}

function auditRow(keyId: string, purpose: string | undefined, route: string, site: string, outcome: AuditRow['outcome'], code: string, rows: number, started: number): AuditRow {
  const duration = performance.now() - started;
  return { ts: '', key_id: keyId, purpose: purpose ?? '', operation: route, fields: [route], sites: site === '' ? [] : [site], outcome, code, rows, duration_ms: duration, detail: '' };
}

function deny(denial: Denial | undefined): void {
  if (denial !== undefined) throw new RequestError(denialStatus(denial), denial.code, denial.message);
}

function required(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw new RequestError(400, 'BAD_USER_INPUT', `${field} is required`);
  return v;
}

function cookie(v: unknown, field: string): string {
  if (!isCookieId(v)) throw new RequestError(400, 'BAD_USER_INPUT', `${field} must be a cookie id of 1 to ${MAX_COOKIE_LENGTH} characters`);
  return v;
}
