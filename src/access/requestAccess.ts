// Who is asking and for what: resolved once per request, checked by every resolver.
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

/** Reads `Authorization: Bearer <secret>` and the purpose from the header or `extensions.purpose`. */
export async function resolveAccess(
  authorization: string | undefined,
  purposeHeader: string | undefined,
  purposeExtension: unknown,
  keys: ApiKeyStore,
): Promise<RequestAccess> {
  return resolveAccessNow(authorization, purposeHeader, purposeExtension, keys) ?? accessOf(purposeHeader, purposeExtension, await keys.lookup(secretOf(authorization)!));
}

/**
 * As resolveAccess, without waiting, for the hot paths: undefined when the key store must read
 * ClickHouse first (an unknown secret, or no copy of the keys yet); then call resolveAccess.
 */
export function resolveAccessNow(authorization: string | undefined, purposeHeader: string | undefined, purposeExtension: unknown, keys: ApiKeyStore): RequestAccess | undefined {
  const secret = secretOf(authorization);
  if (secret === undefined) return accessOf(purposeHeader, purposeExtension, undefined);
  const found = keys.peek(secret);
  return found === undefined ? undefined : accessOf(purposeHeader, purposeExtension, found);
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
