// POST /session (sign in with a key's secret), GET /session (who is signed in, if anyone), DELETE /session (sign out).
// The secret is checked once and never kept: the cache holds the key's id under a digest of the session id.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessGuard } from '../access/accessGuard.ts';
import type { ApiKey } from '../access/apiKey.ts';
import type { ApiKeyStore, KeyLookup } from '../access/apiKeyStore.ts';
import type { Auth, RequestAccess } from '../access/requestAccess.ts';
import type { Caller, RestAccess } from '../access/restAccess.ts';
import { ApiError, ErrorCode, InputError } from '../errors/apiError.ts';
import type { Handler } from '../http/httpServer.ts';
import { readJson } from '../http/readBody.ts';
import { sendJson } from '../http/respond.ts';
import type { RequestOrigin } from './origin.ts';
import { SECURITY_HEADERS } from './securityHeaders.ts';
import { sessionKey } from './sessionAccess.ts';
import { SESSION_COOKIE, sessionIdOf, type SessionStore } from './sessionStore.ts';

export interface SessionRouteDeps {
  store: SessionStore;
  keys: ApiKeyStore;
  guard: AccessGuard;
  origin: RequestOrigin;
  rest: RestAccess;
}

/** The session as the dashboard sees it: the key it stands for, never its secret. */
export interface SessionView {
  keyId: string;
  name: string;
  purposes: string[];
  sites: string[] | '*';
}

const SIGN_IN = 'POST /session';
const CURRENT = 'GET /session';
const SIGN_OUT = 'DELETE /session';
/** A sign-in body is `{"key": "<secret>"}`: a few hundred bytes at most. */
const MAX_BODY = 4096;

const view = (key: ApiKey): SessionView => ({ keyId: key.id, name: key.name, purposes: [...key.purposes], sites: key.sites === '*' ? '*' : [...key.sites] });
const authOf = (found: KeyLookup | undefined): Auth => (found === undefined ? { kind: 'missing' } : found.kind === 'unknown' ? { kind: 'unknown' } : found);
const accessOf = (auth: Auth): RequestAccess => ({ auth, purpose: undefined, purposeText: undefined });
const callerOf = (auth: Auth, ip: string, started: number): Caller => ({ access: accessOf(auth), ip, started, admitted: true });
const cookie = (value: string, https: boolean, clear: boolean) =>
  `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/${clear ? '; Max-Age=0' : ''}${https ? '; Secure' : ''}`;

/**
 * NOTE: the sign-in hint, a second cookie the page's script may read: `<until>:<PURPOSE>.<PURPOSE>`, when
 * (ms since the epoch, server clock) a session left idle may have ended, and the key's purposes. It
 * holds nothing secret and grants nothing (the server reads only the HttpOnly session cookie): it lets
 * the page send a screen's first request beside GET /session instead of after its answer (web/start.ts),
 * and send none when it is absent (signed out: no GraphQL call, so no 401 in the console). Set at sign-in
 * and renewed by each GET /session that finds the session; cleared with the session cookie. A browser
 * session's cookie (no Max-Age), like the session's. `until` is short of the idle time by twice the
 * store's lazy renewal (at most a minute each): once for that laziness, once for the clocks' skew.
 */
export const HINT_COOKIE = 'calypso_hint';
const hintUntil = (idleMs: number, now: number) => now + idleMs - 2 * Math.min(60_000, idleMs / 10);
const hint = (key: ApiKey | undefined, idleMs: number, https: boolean) =>
  `${HINT_COOKIE}=${key === undefined ? '' : `${Math.floor(hintUntil(idleMs, Date.now()))}:${key.purposes.join('.')}`}; SameSite=Strict; Path=/${key === undefined ? '; Max-Age=0' : ''}${https ? '; Secure' : ''}`;
const HAS_HINT = new RegExp(`(?:^|;\\s*)${HINT_COOKIE}=`);
const hasHint = (c: string | string[] | undefined) => c !== undefined && HAS_HINT.test(Array.isArray(c) ? c.join('; ') : c);

export function createSessionRoutes(deps: SessionRouteDeps): Map<string, Handler> {
  const { store, keys, guard, origin, rest } = deps;

  /** The key a request's session cookie stands for, if any (a revoked key's session is ended). */
  const keyOfCookie = async (req: IncomingMessage): Promise<KeyLookup | undefined> => {
    const id = sessionIdOf(req.headers.cookie);
    return id === undefined ? undefined : sessionKey(store, keys, id);
  };

  /**
   * The checks every session call passes first: the address's failed-authentication budget, then
   * NOTE: `X-Calypso-Session: 1` (no cross-site form can send a custom header, and a cross-site fetch
   * with one needs a CORS preflight that is never granted) and a same-origin request.
   * A refusal is audited as a REST route's is (denied, summed once a second), under the key of the
   * session the browser sent, if any: a cross-site attempt with a key's session shows in that key's
   * trail. An address over its budget is answered 429 and not audited (the flood stays out of the trail).
   */
  const admit = async (req: IncomingMessage, res: ServerResponse, route: string, started: number): Promise<string | undefined> => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    res.setHeader('cache-control', 'no-store');
    const ip = guard.clientIp(req);
    const blocked = guard.blocked(ip);
    if (blocked !== undefined) {
      req.resume(); // the body is drained, not read
      rest.fail(res, undefined, route, [], blocked);
      return undefined;
    }
    if (req.headers['x-calypso-session'] === '1' && origin.sameOrigin(req)) return ip;
    req.resume();
    const refusal = new ApiError(ErrorCode.FORBIDDEN, 'session calls must come from the dashboard\'s own page with "X-Calypso-Session: 1"');
    rest.fail(res, callerOf(authOf(await keyOfCookie(req)), ip, started), route, [], refusal);
    return undefined;
  };

  const signIn: Handler = async (req, res) => {
    const started = performance.now();
    const ip = await admit(req, res, SIGN_IN, started);
    if (ip === undefined) return;
    const anonymous: Caller = { access: accessOf({ kind: 'missing' }), ip, started, admitted: false };
    let body: { key?: unknown } | null;
    try {
      body = (await readJson(req, MAX_BODY)) as { key?: unknown } | null;
    } catch (err) {
      return rest.fail(res, anonymous, SIGN_IN, [], err);
    }
    const secret = body !== null && typeof body === 'object' ? body.key : undefined;
    if (typeof secret !== 'string' || secret === '') return rest.fail(res, anonymous, SIGN_IN, [], new InputError('key', 'key must be the secret of an API key (a string)', { rule: 'required' }));
    const caller = callerOf(authOf(await keys.lookup(secret)), ip, started);
    const auth = caller.access.auth;
    // A bad secret is a failed authentication of the address, as on /graphql (429 once over the budget).
    const limited = guard.admit(ip, caller.access);
    const err =
      limited ??
      (auth.kind === 'revoked'
        ? new ApiError(ErrorCode.KEY_REVOKED, 'the API key has been revoked')
        : auth.kind !== 'ok'
          ? new ApiError(ErrorCode.UNAUTHENTICATED, 'the API key is not valid')
          : undefined);
    if (err !== undefined || auth.kind !== 'ok') return rest.fail(res, caller, SIGN_IN, [], err);
    // A sign-in replaces the browser's session: the one it carried (if any) ends, a new id is made.
    const previous = sessionIdOf(req.headers.cookie);
    if (previous !== undefined) await store.end(previous);
    const id = await store.create(auth.key.id);
    rest.done(caller, SIGN_IN, [], 1, 'sign-in');
    const https = origin.https(req);
    sendJson(res, 200, { session: view(auth.key) }, { 'set-cookie': [cookie(id, https, false), hint(auth.key, store.idleMs, https)] });
  };

  /**
   * NOTE: "not signed in" is an answer, not an error: `200 {"session": null}` (a 401 here would put an
   * error in the browser's console on every visit to the sign-in page). A revoked key's session is ended
   * and its cookie cleared the same way; /graphql and the REST routes answer it 401 KEY_REVOKED.
   * Audited: what a session reads of its own key (name, purposes, sites) is a read like any other
   * (policy 3.2), allowed; a revoked key's session is a refusal under that key (denied KEY_REVOKED,
   * summed as REST refusals are). Not audited: a browser with no session, or one the cache no longer
   * holds (expired, signed out): no key to write it under and nothing read; each page load of the
   * sign-in page asks, so a row each would bury the trail in anonymous noise.
   */
  const current: Handler = async (req, res) => {
    const started = performance.now();
    const ip = await admit(req, res, CURRENT, started);
    if (ip === undefined) return;
    const id = sessionIdOf(req.headers.cookie);
    const found = id === undefined ? undefined : await sessionKey(store, keys, id);
    if (found?.kind === 'ok') {
      rest.done(callerOf(found, ip, started), CURRENT, [], 1, 'session');
      return sendJson(res, 200, { session: view(found.key) }, { 'set-cookie': hint(found.key, store.idleMs, origin.https(req)) });
    }
    const https = origin.https(req);
    const clear = [...(id === undefined ? [] : [cookie('', https, true)]), ...(id === undefined && !hasHint(req.headers.cookie) ? [] : [hint(undefined, 0, https)])];
    sendJson(res, 200, { session: null }, clear.length === 0 ? {} : { 'set-cookie': clear });
    // The answer is out, so fail() sends nothing: it only writes the refusal to the trail.
    if (found?.kind === 'revoked') rest.fail(res, callerOf(found, ip, started), CURRENT, [], new ApiError(ErrorCode.KEY_REVOKED, 'the API key has been revoked'));
  };

  /** Audited under the session's key, revoked or not (its session ends either way); without one, not (nothing to end). */
  const signOut: Handler = async (req, res) => {
    const started = performance.now();
    const ip = await admit(req, res, SIGN_OUT, started);
    if (ip === undefined) return;
    const id = sessionIdOf(req.headers.cookie);
    if (id !== undefined) {
      const found = await sessionKey(store, keys, id);
      await store.end(id);
      if (found !== undefined && found.kind !== 'unknown') rest.done(callerOf(found, ip, started), SIGN_OUT, [], 0, 'sign-out');
    }
    res.writeHead(204, { 'set-cookie': [cookie('', origin.https(req), true), hint(undefined, 0, origin.https(req))] });
    res.end();
  };

  return new Map<string, Handler>([
    [SIGN_IN, signIn],
    [CURRENT, current],
    [SIGN_OUT, signOut],
  ]);
}
