// The cache's copy of current consent, read by every look-up. Two kinds of entry per (site, pid):
// the mirror (flags in force) and a short note that nothing is stored (the site's default applies).

/** A recorded change is mirrored this long: 400 days, past the longest consent a site may ask for. */
export const CONSENT_MIRROR_TTL_MS = 400 * 86_400_000;

/**
 * Flags read back from ClickHouse (the mirror had lost them) are mirrored only this long: 60 s.
 * NOTE: ClickHouse may lag a change still in a spool (a flush, or an outage); a value read meanwhile
 * must not stand once the change lands, so it is re-read within a minute.
 */
export const CONSENT_READBACK_TTL_MS = 60_000;

/**
 * A change is mirrored this long before it is durable: 60 s. It is extended to CONSENT_MIRROR_TTL_MS
 * once durable, and deleted if it could not be made so (see ConsentStore.commit).
 */
export const CONSENT_PROVISIONAL_TTL_MS = 60_000;

/** A note that a pid has no stored consent, so unknown cookies cost one ClickHouse read an hour. */
export const CONSENT_DEFAULT_NOTE_TTL_MS = 3_600_000;

export const consentCacheKey = (site: string, pid: string) => `consent:${site}:${pid}`;

/**
 * The note that a pid has no stored consent. Never consulted when the mirror holds the pid, and never
 * read by `record`, so an explicit consent is always recorded; a recorded change deletes it.
 */
export const consentDefaultCacheKey = (site: string, pid: string) => `consent-default:${site}:${pid}`;
