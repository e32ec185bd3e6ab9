// Who is asking and for what: resolved once per request, checked by every resolver.
import type { ApiKey } from './apiKey.ts';
import type { ApiKeyStore } from './apiKeyStore.ts';
import { isPurpose, type Purpose } from './purposes.ts';

export type Auth = { kind: 'ok'; key: ApiKey } | { kind: 'missing' } | { kind: 'unknown' } | { kind: 'revoked'; key: ApiKey };

export interface RequestAccess {
  readonly auth: Auth;
  /** The declared purpose; undefined when none was declared, the raw text when unknown. */
  readonly purpose: Purpose | undefined;
  readonly purposeText: string | undefined;
}

/** Reads `Authorization: Bearer <secret>` and the purpose from the header or `extensions.purpose`. */
export async function resolveAccess(
  authorization: string | undefined,
  purposeHeader: string | undefined,
  purposeExtension: unknown,
  keys: ApiKeyStore,
): Promise<RequestAccess> {
  const purposeText = purposeHeader ?? (typeof purposeExtension === 'string' ? purposeExtension : undefined);
  const purpose = isPurpose(purposeText) ? purposeText : undefined;
  const m = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (m === null || m[1] === undefined) return { auth: { kind: 'missing' }, purpose, purposeText };
  const found = await keys.lookup(m[1]);
  const auth: Auth = found.kind === 'ok' ? found : found.kind === 'revoked' ? found : { kind: 'unknown' };
  return { auth, purpose, purposeText };
}
