// URL → host + path + allow-listed campaign parameters, with personal data redacted from the path.

export interface ReducedUrl {
  readonly host: string;
  readonly path: string;
  readonly utm: Readonly<Record<UtmKey, string>>;
}

export const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
export type UtmKey = (typeof UTM_KEYS)[number];

const EMAIL = /[^/\s@]+@[^/\s@]+\.[^/\s@]+/g;
const PHONE = /\+?\d[\d\-() ]{8,}\d/g;
const MIN_TOKEN_LENGTH = 32;
const LONG_TOKEN = new RegExp(`[A-Za-z0-9_-]{${MIN_TOKEN_LENGTH},}`, 'g');
/** Phone numbers have 10–15 digits; fewer is a date or an id such as 2026-11-01. */
const MIN_PHONE_DIGITS = 10;
const MAX_PATH = 1024;
const MAX_UTM = 200;

export function redact(text: string): string {
  // Each pattern only where it could match (an '@', room for ten digits, room for a token):
  // most paths and utm values are short and plain, and this runs several times per hit.
  let out = text.includes('@') ? text.replace(EMAIL, '[email]') : text;
  if (out.length >= MIN_PHONE_DIGITS) out = out.replace(PHONE, (m) => (m.replace(/\D/g, '').length >= MIN_PHONE_DIGITS ? '[phone]' : m));
  // A token mixes letters and digits; a long slug of words ("how-to-choose-…") is not one.
  if (out.length >= MIN_TOKEN_LENGTH) out = out.replace(LONG_TOKEN, (m) => (/\d/.test(m) && /[A-Za-z]/.test(m) ? '[token]' : m));
  return out;
}

/** `url` must already be a parsed absolute URL. Query strings and fragments are dropped but for utm_*. */
export function reduceUrl(url: URL): ReducedUrl {
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // One malformed escape must not keep the rest encoded (an e-mail as %40 escapes redaction):
    // decode every run of escapes that decodes, and the ASCII escapes of those that do not.
    path = path.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run.replace(/%[0-7][0-9A-Fa-f]/g, (e) => String.fromCharCode(parseInt(e.slice(1), 16)));
      }
    });
  }
  const utm = {} as Record<UtmKey, string>;
  const params = utmParams(url);
  for (const k of UTM_KEYS) utm[k] = redact(params.get(k) ?? '').slice(0, MAX_UTM);
  return { host: url.hostname, path: redact(path).slice(0, MAX_PATH), utm };
}

/** The one method reduceUrl asks of the query: the first value of a name, undefined or null when absent. */
type Params = { get(name: string): string | null | undefined };
const NO_PARAMS: Params = { get: () => null };

/**
 * What `url.searchParams.get` answers for the utm keys, without building URLSearchParams for most
 * hits: a query with neither '%' nor '+' needs no decoding, so it has no utm key unless it holds
 * "utm_", and splitting it on '&' and the first '=' is exactly the form-urlencoded parse.
 */
function utmParams(url: URL): Params {
  const search = url.search;
  // An escape may spell a name ("utm%5Fsource"): decoding is left to URLSearchParams.
  if (search.includes('%') || search.includes('+')) return url.searchParams;
  if (!search.includes('utm_')) return NO_PARAMS;
  const found = new Map<string, string>();
  for (const pair of search.slice(1).split('&')) {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    // The first of a repeated name wins, as URLSearchParams.get.
    if (name.startsWith('utm_') && !found.has(name)) found.set(name, eq === -1 ? '' : pair.slice(eq + 1));
  }
  return found;
}

/** Referrer → host only (policy 1.2). */
export function referrerHost(referrer: string | undefined): string {
  if (referrer === undefined || referrer === '') return '';
  try {
    return new URL(referrer).hostname;
  } catch {
    return '';
  }
}
