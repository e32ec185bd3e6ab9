// A session cookie standing in for a key: read by requestAccess (the one place access is resolved) when
// a request carries no Authorization, so /graphql and every REST route take it the same way.
import type { ApiKeyStore, KeyLookup } from '../access/apiKeyStore.ts';
import type { SessionKeys } from '../access/requestAccess.ts';
import type { RequestOrigin } from './origin.ts';
import { sessionIdOf, type SessionStore } from './sessionStore.ts';

/**
 * NOTE: a session counts only for a same-origin request that declares X-Calypso-Purpose; otherwise the
 * request is treated as carrying no key at all, so a cross-site request the browser sent with the cookie
 * gets nothing. The key is looked up fresh by its id on every request (a revoked key stops at once here,
 * within the key copies' refresh window elsewhere), and a revoked key's session is ended.
 */
export function createSessionKeys(store: SessionStore, keys: ApiKeyStore, origin: RequestOrigin): SessionKeys {
  return {
    keyOf(req, purposeHeader) {
      if (purposeHeader === undefined) return undefined;
      const id = sessionIdOf(req.headers.cookie);
      if (id === undefined || !origin.sameOrigin(req)) return undefined;
      return sessionKey(store, keys, id);
    },
  };
}

/** The key a session id stands for; a revoked key's session is ended. */
export async function sessionKey(store: SessionStore, keys: ApiKeyStore, id: string): Promise<KeyLookup | undefined> {
  const keyId = await store.keyIdOf(id);
  if (keyId === undefined) return undefined;
  const found = await keys.byId(keyId);
  if (found.kind !== 'ok') await store.end(id);
  return found;
}
