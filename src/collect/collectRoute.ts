// The collector's HTTP surface: POST /collect, GET /collect.gif, POST /consent.
// Answers come only once what was accepted is durable (ingest.ts); the spool over budget → 503,
// a client over its rate or the process over its in-flight limit → 429, each with Retry-After.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseConsent, toFlags, fromFlags } from '../consent/consentFlags.ts';
import { SpoolFullError, type SpoolRoom } from '../pipeline/spool.ts';
import { ApiError, echo, ErrorCode, InputError } from '../errors/apiError.ts';
import { readJson } from '../http/readBody.ts';
import { sendError, sendJson } from '../http/respond.ts';
import type { ClientIp } from './clientIp.ts';
import { applyCors } from './cors.ts';
import { ingest, type IngestDeps } from './ingest.ts';
import type { RateLimiter } from './rateLimiter.ts';
import { EVENT_LIMITS, type EventLimits } from './validateEvent.ts';
import type { RequestTraits } from '../privacy/toEventRow.ts';

export interface CollectOptions {
  /** Most events in one request. Default 500. */
  maxEvents: number;
  /** Largest body accepted. Default 1 MiB. */
  maxBodyBytes: number;
  /** Requests being processed at once before new ones get 429: with 1 MiB bodies, bounds memory near 256 MiB. */
  maxInFlight: number;
  /**
   * Events being processed at once (read, reduced, waiting to be durable) before a request that would
   * exceed it gets 429. NOTE: a batch holds about 2.5 KB of heap per event until its answer (the parsed
   * body, its rows and their text); under overload, clients that time out reconnect while their
   * abandoned requests are still processed, so the request bound alone let the heap grow towards 256
   * batches. A request of more events than this is taken alone, when nothing else is in flight.
   */
  maxInFlightEvents: number;
  limits: EventLimits;
}

export interface CollectRouteDeps extends IngestDeps {
  clientIp: ClientIp;
  rateLimiter: RateLimiter;
}

// A 1×1 transparent GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const JSON_TYPES = /^(application\/json|text\/plain)\s*(;|$)/i;
// Fixed answers, made once: the 429 of an overloaded collector is on its hottest path.
const BUSY = new ApiError(ErrorCode.RATE_LIMITED, 'the collector is busy; retry shortly', { retryAfter: 1 });
const NOT_JSON_TYPE = new ApiError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'content-type must be application/json or text/plain');
/**
 * A request's spool record takes about this many times its body, plus a hit's worth: the bench's 115-byte
 * hits, each opening a visit, make records of about 770 bytes (the event's row and its visit's). An
 * estimate, for the room held at admission (Spool.reserve): a record larger than its room is still kept.
 */
const RECORD_PER_BODY = 8;
const RECORD_BASE = 4096;
const recordBytes = (requestBytes: number) => RECORD_BASE + RECORD_PER_BODY * requestBytes;
/**
 * The answer when the spool is over its budget or its disk refuses a write (full, over quota, failing:
 * SpoolDiskError is a SpoolFullError): nothing of the request was kept, so all of it may be retried.
 * /collect, /consent and /v1/import answer it alike.
 */
export const SPOOL_FULL = new ApiError(ErrorCode.SERVICE_UNAVAILABLE, 'the collector cannot take more events now; retry later', { retryAfter: 5 });

export function createCollectRoutes(deps: CollectRouteDeps, opts: CollectOptions) {
  let inFlight = 0;
  let inFlightEvents = 0;

  /**
   * Shared gate: rate limit, in-flight bound, CORS. Returns the traits, or undefined when answered.
   * Not async: only a request with an Origin (a browser's cross-origin call) waits for the CORS check,
   * so a hit without one pays no promise here.
   */
  const admit = (req: IncomingMessage, res: ServerResponse): RequestTraits | undefined | Promise<RequestTraits | undefined> => {
    const ip = deps.clientIp(req);
    const wait = deps.rateLimiter.take(ip);
    if (wait > 0) {
      sendError(res, new ApiError(ErrorCode.RATE_LIMITED, 'too many requests from this address; slow down', { retryAfter: wait }));
      return undefined;
    }
    if (inFlight >= opts.maxInFlight) {
      sendError(res, BUSY);
      return undefined;
    }
    const traits: RequestTraits = { ip, userAgent: req.headers['user-agent'] ?? '', cookieId: cookieValue(req.headers.cookie, '_cid') };
    return req.headers.origin === undefined ? traits : applyCors(req, res, deps.sites).then(() => traits);
  };

  /**
   * Room in the events' spool for a request of this many bytes: held until its record is appended
   * (Spool.reserve), or undefined once answered 503. Held, not only checked: checked alone, every request
   * in flight passed while the spool was just under its budget, and each was pseudonymised and placed
   * before being refused at its append; under a flood that work took the main thread from delivery, which
   * alone empties the spool, and the service accepted next to nothing (docs/performance.md "reserved
   * room, delivery turns, mmap threshold"). Consents have spools of their own.
   */
  const reserveRoom = (res: ServerResponse, requestBytes: number): SpoolRoom | undefined => {
    const room = deps.spool.reserve(recordBytes(requestBytes));
    if (room === undefined) sendError(res, SPOOL_FULL);
    return room;
  };

  const guarded = (handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) => async (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    try {
      await handler(req, res);
    } catch (err) {
      // Nothing of this request was kept: the client may retry all of it.
      // ConsentUnavailableError is the catalogue's 503 (Retry-After: 5): the server answers it as it is.
      if (!(err instanceof SpoolFullError)) throw err;
      sendError(res, SPOOL_FULL);
    } finally {
      inFlight--;
    }
  };

  // Not async: readJson's promise is the one awaited.
  const readBody = (req: IncomingMessage): Promise<unknown> => {
    const type = req.headers['content-type'];
    // sendBeacon sends text/plain; anything else that is not JSON is refused before it is read.
    if (type !== undefined && !JSON_TYPES.test(type)) return Promise.reject(NOT_JSON_TYPE);
    return readJson(req, opts.maxBodyBytes);
  };

  return {
    collect: guarded(async (req, res) => {
      const admitted = admit(req, res);
      const traits = admitted instanceof Promise ? await admitted : admitted;
      if (traits === undefined) return;
      // A body of unknown length counts as the largest allowed.
      const declared = Number(req.headers['content-length']);
      const bodyBytes = Number.isFinite(declared) ? Math.min(declared, opts.maxBodyBytes) : opts.maxBodyBytes;
      // Refused on its headers when there is no room now. The room is held only once the body is read:
      // a client sending slowly must not hold it (nor its own estimate of 8 MiB for a 1 MiB body) meanwhile.
      if (!deps.spool.fits(recordBytes(bodyBytes))) return sendError(res, SPOOL_FULL);
      const body = await readBody(req);
      const room = reserveRoom(res, bodyBytes);
      if (room === undefined) return;
      try {
        const batch = body !== null && typeof body === 'object' && !Array.isArray(body) && 'events' in body ? (body as { events: unknown }).events : [body];
        if (!Array.isArray(batch)) return sendError(res, new InputError('events', 'events must be an array of events'));
        if (batch.length > opts.maxEvents) return sendError(res, new ApiError(ErrorCode.PAYLOAD_TOO_LARGE, `events must hold at most ${opts.maxEvents} events`, { field: 'events' }));
        if (inFlightEvents > 0 && inFlightEvents + batch.length > opts.maxInFlightEvents) return sendError(res, BUSY);
        inFlightEvents += batch.length;
        try {
          sendJson(res, 202, await ingest(batch, traits, deps, opts.limits, { room }));
        } finally {
          inFlightEvents -= batch.length;
        }
      } finally {
        room.release();
      }
    }),

    pixel: guarded(async (req, res) => {
      const traits = await admit(req, res);
      if (traits === undefined) return;
      const room = reserveRoom(res, req.url?.length ?? 0);
      if (room === undefined) return;
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      const event: Record<string, unknown> = {};
      for (const k of ['site', 'type', 'url', 'referrer', 'cid', 'eid', 'name', 'screen', 'lang']) {
        const v = q.get(k);
        if (v !== null) event[k] = v;
      }
      const ts = q.get('ts');
      if (ts !== null) event.ts = /^\d+$/.test(ts) ? Number(ts) : ts;
      let result;
      try {
        result = await ingest([event], traits, deps, opts.limits, { room });
      } finally {
        room.release();
      }
      const { accepted, rejected } = result;
      const headers: Record<string, string> = { 'content-type': 'image/gif', 'cache-control': 'no-store', 'content-length': String(PIXEL.length) };
      if (accepted === 0) headers['x-calypso-refused'] = encodeURIComponent(rejected[0]?.error ?? 'refused');
      res.writeHead(accepted > 0 ? 200 : 400, headers);
      res.end(PIXEL);
    }),

    consent: guarded(async (req, res) => {
      const traits = await admit(req, res);
      if (traits === undefined) return;
      const body = (await readBody(req)) as Record<string, unknown> | null;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(ErrorCode.BAD_USER_INPUT, 'body must be {"site", "cid", "consent"}');
      const site = typeof body.site === 'string' ? await deps.sites.get(body.site) : undefined;
      if (site === undefined) throw new InputError('site', typeof body.site === 'string' ? `site ${echo(body.site)} is not registered` : 'site is required');
      const cid = typeof body.cid === 'string' && body.cid !== '' ? body.cid : traits.cookieId;
      if (cid === undefined || cid.length > EVENT_LIMITS.maxCidLength) throw new InputError('cid', `cid (or the _cid cookie) is required, at most ${EVENT_LIMITS.maxCidLength} characters`);
      // As a hit's cid: one with a lone UTF-16 surrogate is refused, not taken.
      if (!cid.isWellFormed()) throw new InputError('cid', 'cid must be well-formed Unicode (it holds a lone UTF-16 surrogate)');
      const flags = toFlags(parseConsent(body.consent));
      await deps.consents.record([{ site: site.id, pseudonym: deps.reducers.pseudonymiser.pseudonymise(site.id, cid), flags }], 'counter');
      sendJson(res, 200, { consent: fromFlags(flags) });
    }),
  };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      return v === '' ? undefined : v;
    }
  }
  return undefined;
}
