// Validation of createSite input; pure, so the messages are unit-tested.
import { DEFAULT_CONSENT_FLAGS, fromFlags, toFlags, type Consent } from '../consent/consentFlags.ts';
import { clip, echo, invalid } from '../errors/apiError.ts';
import type { Site } from './siteStore.ts';

export interface SiteInput {
  id: string;
  name: string;
  hostnames: readonly string[];
  timezone: string;
  kAnonymity: number;
  retentionDays: number;
  /** Omitted → statistics only. */
  defaultConsent?: Consent | null;
}

// NOTE: k of at least 2: with k = 1 a statistics row could describe one visitor (policy 2.2.5).
export const SITE_LIMITS = { maxHostnames: 50, minK: 2, maxK: 10_000, minRetentionDays: 1, maxRetentionDays: 3_650 } as const;
const SITE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** updateSite's arguments: each one omitted (or null) keeps the site's value. */
export interface SiteUpdate {
  id: string;
  name?: string | null;
  hostnames?: readonly string[] | null;
  timezone?: string | null;
  kAnonymity?: number | null;
  retentionDays?: number | null;
  defaultConsent?: Consent | null;
}

/** The site after `update`, validated as createSite's input is (the same messages and fields). */
export function validateSiteUpdate(current: Site, update: SiteUpdate): Omit<Site, 'createdAt'> {
  return validateSiteInput({
    id: current.id,
    name: update.name ?? current.name,
    hostnames: update.hostnames ?? current.hostnames,
    timezone: update.timezone ?? current.timezone,
    kAnonymity: update.kAnonymity ?? current.kAnonymity,
    retentionDays: update.retentionDays ?? current.retentionDays,
    defaultConsent: update.defaultConsent ?? fromFlags(current.defaultConsent),
  });
}

/** Returns the normalised site or throws InputError naming the field and what it expects. */
export function validateSiteInput(input: SiteInput): Omit<Site, 'createdAt'> {
  if (!SITE_ID.test(input.id)) throw invalid('id', 'id must be 1–63 lower-case letters, digits, "-" or "_", starting with a letter or digit', 'format', { format: 'siteId' });
  // NOTE: a lone UTF-16 surrogate would make the row unstorable; mended to U+FFFD (a display name).
  const name = input.name.trim().toWellFormed();
  if (name.length === 0 || name.length > 200) throw invalid('name', 'name must be 1–200 characters', 'length', { min: 1, max: 200 });
  if (input.hostnames.length === 0 || input.hostnames.length > SITE_LIMITS.maxHostnames) {
    throw invalid('hostnames', `hostnames must list 1–${SITE_LIMITS.maxHostnames} host names`, 'items', { min: 1, max: SITE_LIMITS.maxHostnames });
  }
  const hostnames = [...new Set(input.hostnames.map((h, i) => normaliseHostname(h, `hostnames[${i}]`)))];
  if (!isTimeZone(input.timezone)) throw invalid('timezone', `timezone must be an IANA time zone such as "Europe/Moscow" (got ${echo(input.timezone)})`, 'format', { format: 'timeZone', got: clip(input.timezone) });
  if (!Number.isInteger(input.kAnonymity) || input.kAnonymity < SITE_LIMITS.minK || input.kAnonymity > SITE_LIMITS.maxK) {
    throw invalid('kAnonymity', `kAnonymity must be an integer from ${SITE_LIMITS.minK} to ${SITE_LIMITS.maxK}`, 'range', { min: SITE_LIMITS.minK, max: SITE_LIMITS.maxK });
  }
  if (!Number.isInteger(input.retentionDays) || input.retentionDays < SITE_LIMITS.minRetentionDays || input.retentionDays > SITE_LIMITS.maxRetentionDays) {
    throw invalid('retentionDays', `retentionDays must be an integer from ${SITE_LIMITS.minRetentionDays} to ${SITE_LIMITS.maxRetentionDays}`, 'range', {
      min: SITE_LIMITS.minRetentionDays,
      max: SITE_LIMITS.maxRetentionDays,
    });
  }
  const defaultConsent = input.defaultConsent == null ? DEFAULT_CONSENT_FLAGS : toFlags(input.defaultConsent);
  return { id: input.id, name, hostnames, timezone: input.timezone, kAnonymity: input.kAnonymity, retentionDays: input.retentionDays, defaultConsent };
}

/** Lower-case, IDNA (punycode) form of a bare host name, as the WHATWG URL parser produces it. */
export function normaliseHostname(raw: string, field: string): string {
  const h = raw.trim();
  if (h === '' || /[/:?#@\s]/.test(h)) throw invalid(field, `${field} must be a bare host name such as "shop.example" (got ${echo(raw)})`, 'format', { format: 'hostname', got: clip(raw) });
  let host: string;
  try {
    host = new URL(`http://${h}/`).hostname;
  } catch {
    throw invalid(field, `${field} must be a valid host name (got ${echo(raw)})`, 'format', { format: 'hostname', got: clip(raw) });
  }
  // RFC 1035 labels after IDNA: 1–63 letters, digits or hyphens, not starting or ending with one.
  const labels = host.split('.');
  if (host.length > 253 || labels.some((l) => !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l))) {
    throw invalid(field, `${field} must be a valid host name of dot-separated labels (got ${echo(raw)})`, 'format', { format: 'hostname', got: clip(raw) });
  }
  return host;
}

/**
 * An IANA name, spelt as in the tz database. NOTE: Intl also accepts offsets ("+03:00") and any
 * letter case ("utc", "europe/moscow"), which ClickHouse refuses ("Cannot load time zone").
 */
function isTimeZone(tz: string): boolean {
  if (!/^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/.test(tz)) return false;
  try {
    const resolved = new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone;
    return resolved === tz || resolved.toLowerCase() !== tz.toLowerCase();
  } catch {
    return false;
  }
}
