// The per-resolver decision (DESIGN.md "Purposes and access"). Pure: it returns a denial, never throws.
import { echo, type ErrorCode } from '../errors/apiError.ts';
import { PURPOSES, type Purpose } from './purposes.ts';
import { siteOutside } from './siteScope.ts';
import type { RequestAccess } from './requestAccess.ts';

export interface Denial {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * Allowed when the key is live, the declared purpose is one of the key's and one of the field's, and
 * every site the field names is one of the key's sites.
 */
export function checkAccess(access: RequestAccess, field: string, allowed: ReadonlySet<Purpose>, sites: readonly string[]): Denial | undefined {
  const { auth, purpose, purposeText } = access;
  if (auth.kind === 'missing') return { code: 'UNAUTHENTICATED', message: 'an API key is required: send "Authorization: Bearer <secret>"' };
  if (auth.kind === 'unknown') return { code: 'UNAUTHENTICATED', message: 'the API key is not valid' };
  if (auth.kind === 'revoked') return { code: 'KEY_REVOKED', message: 'the API key has been revoked' };
  if (purposeText === undefined) {
    return { code: 'PURPOSE_REQUIRED', message: 'declare the purpose of processing in the X-Calypso-Purpose header' };
  }
  if (purpose === undefined) {
    return { code: 'PURPOSE_NOT_ALLOWED', message: `X-Calypso-Purpose must be one of ${PURPOSES.join(', ')} (got ${echo(purposeText)})` };
  }
  if (!auth.key.purposes.includes(purpose)) return { code: 'PURPOSE_NOT_ALLOWED', message: `this API key is not allowed the purpose ${purpose}` };
  if (!allowed.has(purpose)) return { code: 'PURPOSE_NOT_ALLOWED', message: `${field} does not serve the purpose ${purpose}; it serves ${[...allowed].join(', ')}` };
  const outside = siteOutside(auth.key, sites);
  // NOTE: the site id is the caller's input: echoed cut to ECHO_MAX, never whole.
  if (outside !== undefined) return { code: 'FORBIDDEN', message: `this API key has no access to site ${echo(outside)}` };
  return undefined;
}
