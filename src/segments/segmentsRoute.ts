// The look-up fast path for ad servers: GET /v1/segments?site=…&cookie=… and POST /v1/segments
// {"site", "cookies": [...]}, with the same key, purpose (ADVERTISING), checks and answers as the
// GraphQL look-ups, without the GraphQL machinery. Audited through a per-second tally.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENT_LIMITS, isCookieId } from '../collect/validateEvent.ts';
import type { RestAccess } from '../access/restAccess.ts';
import { ApiError, echo, InputError } from '../errors/apiError.ts';
import { readJson } from '../http/readBody.ts';
import { sendJson } from '../http/respond.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import { segmentsFor, type SegmentLookup } from './segmentLookup.ts';
import { MAX_BATCH_COOKIES } from './segmentResolvers.ts';

const ADVERTISING = new Set(['ADVERTISING'] as const);
// The same bound as a hit's `cid`.
const MAX_COOKIE_LENGTH = EVENT_LIMITS.maxCidLength;
// Sent when the index is down and ClickHouse answered; one object for all such answers.
const DEGRADED: Readonly<Record<string, string>> = { 'x-calypso-degraded': 'segment-index' };

export interface SegmentsRouteDeps {
  rest: RestAccess;
  sites: SiteStore;
  lookup: SegmentLookup;
}

interface Input {
  site: string;
  cookies: string[];
  batch: boolean;
}

export function createSegmentsRoute(deps: SegmentsRouteDeps) {
  const { rest, sites, lookup } = deps;

  // The common case waits only on the index: the key and the site come from the copies in hand.
  const answer = async (req: IncomingMessage, res: ServerResponse, route: string, parse: () => Input | Promise<Input>) => {
    let caller;
    let site = '';
    try {
      const resolved = rest.caller(req);
      caller = resolved instanceof Promise ? await resolved : resolved;
      // Who and why first, then the input: an unauthenticated caller learns nothing from a 400.
      rest.check(caller, route, ADVERTISING, []);
      const parsed = parse();
      const input = parsed instanceof Promise ? await parsed : parsed;
      site = input.site;
      rest.check(caller, route, ADVERTISING, [site]);
      const found = sites.peek(site) ?? (await sites.get(site));
      if (found === undefined) throw new ApiError('NOT_FOUND', `site ${echo(site)} does not exist`, { field: 'site' });
      const result = await lookup.lookup(found, input.cookies);
      const body = input.batch
        ? { results: result.cookies.map((c, i) => ({ cookie: input.cookies[i], segments: segmentsFor('advertising', c) })) }
        : { segments: segmentsFor('advertising', result.cookies[0]!) };
      sendJson(res, 200, body, result.degraded ? DEGRADED : undefined);
      rest.done(caller, route, [site], input.cookies.length, '', true);
    } catch (err) {
      // Summed like the look-ups; a failure of ours (the store down during a fallback) is rethrown after.
      rest.fail(res, caller, route, site === '' ? [] : [site], err, true);
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
          // Over the limit is 413 PAYLOAD_TOO_LARGE, as everywhere else (readBody says so).
          throw err instanceof ApiError ? err : new InputError('body', 'body must be JSON');
        }
        const o = (body ?? {}) as { site?: unknown; cookies?: unknown };
        if (!Array.isArray(o.cookies) || o.cookies.length === 0 || o.cookies.length > MAX_BATCH_COOKIES) {
          throw new InputError('cookies', `cookies must be a list of 1 to ${MAX_BATCH_COOKIES} cookie ids`);
        }
        return { site: required(o.site, 'site'), cookies: o.cookies.map((c, i) => cookie(c, `cookies[${i}]`)), batch: true };
      }),
  };
}

function required(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw new InputError(field, `${field} is required`);
  return v;
}

function cookie(v: unknown, field: string): string {
  if (!isCookieId(v)) throw new InputError(field, `${field} must be a cookie id of 1 to ${MAX_COOKIE_LENGTH} characters`);
  return v;
}
