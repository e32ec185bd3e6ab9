// Who is asking and for what: resolved once per request, checked by every resolver.
import type { IncomingMessage } from 'node:http';
import type { ApiKey } from './apiKey.ts';
import type { ApiKeyStore, KeyLookup } from './apiKeyStore.ts';
import { isPurpose, type Purpose } from './purposes.ts';

export type Auth = { kind: 'ok'; key: ApiKey } | { kind: 'missing' } | { kind: 'unknown' } | { kind: 'revoked'; key: ApiKey };

export interface RequestAccess {
  readonly auth: Auth;
  /** The declared purpose; undefined when none was declared, the raw text when unknown. */
  readonly purpose: Purpose | undefined;
  readonly purposeText: string | undefined;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Reads `Authorization: Bearer <secret>` and the purpose from the header or `extensions.purpose`.
 * Answered without a promise when the key is in the copy in hand (the hot paths); a promise only when
 * the key store must read ClickHouse first (an unknown secret, or no copy of the keys yet).
 */
export function resolveAccess(
  authorization: string | undefined,
  purposeHeader: string | undefined,
  purposeExtension: unknown,
  keys: ApiKeyStore,
): RequestAccess | Promise<RequestAccess> {
  const secret = secretOf(authorization);
  if (secret === undefined) return accessOf(purposeHeader, purposeExtension, undefined);
  const found = keys.lookup(secret);
  return found instanceof Promise ? found.then((slow) => accessOf(purposeHeader, purposeExtension, slow)) : accessOf(purposeHeader, purposeExtension, found);
}

/** A dashboard session standing in for a key (src/dashboard/sessionAccess.ts). */
export interface SessionKeys {
  /**
   * The key of the request's session cookie, or undefined when the request may not use a session (no
   * cookie, no X-Calypso-Purpose header, not same-origin): then it carries no key at all. The promise's
   * undefined: an unknown or expired session.
   */
  keyOf(req: IncomingMessage, purposeHeader: string | undefined): Promise<KeyLookup | undefined> | undefined;
}

/**
 * resolveAccess from a request's headers (`Authorization`, `X-Calypso-Purpose`); without Authorization,
 * a dashboard session's cookie (only then is the Cookie header looked at: the hot paths send a key).
 */
export function requestAccess(req: IncomingMessage, purposeExtension: unknown, keys: ApiKeyStore, sessions?: SessionKeys): RequestAccess | Promise<RequestAccess> {
  const { headers } = req;
  const purposeHeader = firstValue(headers['x-calypso-purpose']);
  if (headers.authorization === undefined && headers.cookie !== undefined && sessions !== undefined) {
    // NOTE: a session's purpose is the header's only (a cross-site request cannot send it without a preflight).
    const viaSession = sessions.keyOf(req, purposeHeader);
    if (viaSession !== undefined) return viaSession.then((found) => accessOf(purposeHeader, undefined, found));
  }
  return resolveAccess(headers.authorization, purposeHeader, purposeExtension, keys);
}

/** A header's value; a repeated header (Node lists only some as arrays) counts by its first. */
export function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function secretOf(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
}

function accessOf(purposeHeader: string | undefined, purposeExtension: unknown, found: KeyLookup | undefined): RequestAccess {
  const purposeText = purposeHeader ?? (typeof purposeExtension === 'string' ? purposeExtension : undefined);
  const purpose = isPurpose(purposeText) ? purposeText : undefined;
  if (found === undefined) return { auth: { kind: 'missing' }, purpose, purposeText };
  const auth: Auth = found.kind === 'ok' ? found : found.kind === 'revoked' ? found : { kind: 'unknown' };
  return { auth, purpose, purposeText };
}
