// Consent as one flag per purpose (policy 5.1), packed in a byte. Pure.
import { clip, echo, invalid } from '../errors/apiError.ts';

export interface Consent {
  readonly statistics: boolean;
  readonly personalization: boolean;
  readonly advertising: boolean;
  readonly thirdParty: boolean;
}

export const CONSENT_BITS = { statistics: 1, personalization: 2, advertising: 4, thirdParty: 8 } as const;
const KEYS = Object.keys(CONSENT_BITS) as Array<keyof Consent>;

/** A site's default when none is configured: statistics only. */
export const DEFAULT_CONSENT_FLAGS = CONSENT_BITS.statistics;

export function toFlags(c: Consent): number {
  let f = 0;
  for (const k of KEYS) if (c[k]) f |= CONSENT_BITS[k];
  return f;
}

export function fromFlags(flags: number): Consent {
  return { statistics: (flags & 1) !== 0, personalization: (flags & 2) !== 0, advertising: (flags & 4) !== 0, thirdParty: (flags & 8) !== 0 };
}

/**
 * Parses `{"statistics":…,"personalization":…,"advertising":…,"thirdParty":…}`; missing flags are false.
 * Throws InputError on `field`, or on `field.flag` for a flag's value.
 */
export function parseConsent(v: unknown, field = 'consent'): Consent {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw invalid(field, `${field} must be an object of booleans: statistics, personalization, advertising, thirdParty`, 'format', { format: 'consent' });
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(KEYS as string[]).includes(k)) throw invalid(field, `${field}: ${echo(k)} is not a consent flag; use statistics, personalization, advertising, thirdParty`, 'unknown', { name: clip(k), allowed: KEYS });
    if (typeof o[k] !== 'boolean') throw invalid(`${field}.${k}`, `${field}.${k} must be true or false`, 'format', { format: 'boolean' });
  }
  return { statistics: o.statistics === true, personalization: o.personalization === true, advertising: o.advertising === true, thirdParty: o.thirdParty === true };
}
