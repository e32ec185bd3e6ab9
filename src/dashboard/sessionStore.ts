// Dashboard sessions in the cache (Redis or the in-process LRU): a random id in the browser's cookie,
// the key's id (never its secret) in the cache, under a digest of the session id.
import { hash, randomBytes } from 'node:crypto';
import type { Cache } from '../cache/cache.ts';

export interface SessionStore {
  /** A new session for the key; returns its id (the cookie's value). */
  create(keyId: string): Promise<string>;
  /** The key id a live session stands for, its idle time renewed; undefined when unknown or expired. */
  keyIdOf(id: string): Promise<string | undefined>;
  end(id: string): Promise<void>;
  readonly idleMs: number;
}

interface Stored {
  k: string;
  /** When the idle time was last renewed (ms): renewed at most once a minute, not on every request. */
  t: number;
}

/** How stale the renewal of a session's idle time may be: one cache write a minute per session at most. */
const RENEW_MS = 60_000;
/** 256 random bits, base64url: the shape of a session id (anything else is not looked up). */
const ID = /^[A-Za-z0-9_-]{43}$/;

// NOTE: the cache holds a digest of the session id, so whoever reads the cache (a Redis dump) cannot
// use the sessions it finds; the id itself is only in the browser's HttpOnly cookie.
const cacheKey = (id: string) => `session:${hash('sha256', id, 'hex')}`;

export function createSessionStore(cache: Cache, idleMs: number, now: () => number = Date.now): SessionStore {
  // A short idle time (minutes) is renewed more often than once a minute, so a session in use never lapses.
  const renewMs = Math.min(RENEW_MS, idleMs / 10);
  return {
    idleMs,
    async create(keyId) {
      const id = randomBytes(32).toString('base64url');
      const value: Stored = { k: keyId, t: now() };
      await cache.set(cacheKey(id), JSON.stringify(value), idleMs);
      return id;
    },
    async keyIdOf(id) {
      if (!ID.test(id)) return undefined;
      const text = await cache.get(cacheKey(id));
      if (text === null) return undefined;
      let value: Stored;
      try {
        value = JSON.parse(text) as Stored;
      } catch {
        return undefined;
      }
      if (typeof value.k !== 'string') return undefined;
      const t = now();
      if (!(t - value.t < renewMs)) await cache.set(cacheKey(id), JSON.stringify({ k: value.k, t } satisfies Stored), idleMs);
      return value.k;
    },
    async end(id) {
      if (ID.test(id)) await cache.del(cacheKey(id));
    },
  };
}

export const SESSION_COOKIE = 'calypso_session';
const COOKIE = /(?:^|;\s*)calypso_session=([^;\s]*)/;

/** The session id of a Cookie header, if any. */
export function sessionIdOf(cookie: string | string[] | undefined): string | undefined {
  if (cookie === undefined) return undefined;
  const m = COOKIE.exec(Array.isArray(cookie) ? cookie.join('; ') : cookie);
  return m === null || m[1] === '' ? undefined : m[1];
}
