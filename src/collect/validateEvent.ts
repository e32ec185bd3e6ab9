// Shape and size checks for one incoming hit (policy 1.3: validated for shape, not truth). Pure.
import { parseConsent, type Consent } from '../consent/consentFlags.ts';
import { echo, InputError } from '../errors/apiError.ts';

export interface RawEvent {
  readonly site: string;
  readonly type: 'pageview' | 'event' | 'engagement';
  readonly url: URL;
  readonly referrer: string | undefined;
  /** Epoch ms; the server's clock when the hit had none. */
  readonly ts: number;
  /** NOTE: the raw cookie id; it must not outlive the request (pseudonymised in toEventRow). */
  readonly cid: string | undefined;
  readonly eid: string | undefined;
  readonly name: string;
  readonly screen: string;
  readonly lang: string;
  readonly props: Readonly<Record<string, string>>;
  /** The consent the hit carries; undefined → the site's default. */
  readonly consent: Consent | undefined;
}

export const EVENT_LIMITS = {
  maxAgeMs: 72 * 3_600_000,
  maxFutureMs: 5 * 60_000,
  maxUrlLength: 2048,
  maxCidLength: 128,
  maxEidLength: 128,
  maxNameLength: 100,
  maxProps: 20,
  maxPropKeyLength: 50,
  maxPropValueLength: 200,
} as const;

export type EventLimits = { readonly [K in keyof typeof EVENT_LIMITS]: number };

/** A raw cookie id as every API takes it: the bound of a hit's `cid`, so what was counted can be asked about. */
export function isCookieId(v: unknown): v is string {
  return typeof v === 'string' && v !== '' && v.length <= EVENT_LIMITS.maxCidLength;
}

const TYPES = new Set(['pageview', 'event', 'engagement']);

/**
 * Returns the event or throws InputError: its field is the event's field at fault (`url`, `props`,
 * `consent.statistics`), its message names the field and what it expects.
 */
export function validateEvent(input: unknown, now: number, limits: EventLimits = EVENT_LIMITS): RawEvent {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new InputError('event', 'event must be a JSON object');
  const e = input as Record<string, unknown>;
  const site = str(e, 'site', 64, true);
  const type = e.type === undefined ? 'pageview' : e.type;
  if (typeof type !== 'string' || !TYPES.has(type)) throw new InputError('type', 'type must be one of "pageview", "event", "engagement"');
  const urlText = str(e, 'url', limits.maxUrlLength, true);
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new InputError('url', 'url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError('url', 'url must be an absolute http(s) URL');
  let ts = now;
  if (e.ts !== undefined) {
    if (typeof e.ts !== 'number' || !Number.isInteger(e.ts)) throw new InputError('ts', 'ts must be an integer timestamp in milliseconds');
    if (e.ts < now - limits.maxAgeMs) throw new InputError('ts', `ts must be at most ${Math.round((limits.maxAgeMs / 3_600_000) * 100) / 100} hours old`);
    if (e.ts > now + limits.maxFutureMs) throw new InputError('ts', `ts must be at most ${limits.maxFutureMs / 60_000} minutes ahead of the server clock`);
    ts = e.ts;
  }
  const name = str(e, 'name', limits.maxNameLength, type === 'event') ?? '';
  const screen = str(e, 'screen', 11, false) ?? '';
  if (screen !== '' && !/^\d{2,5}x\d{2,5}$/.test(screen)) throw new InputError('screen', 'screen must look like "1920x1080"');
  const lang = str(e, 'lang', 35, false) ?? '';
  if (lang !== '' && !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(lang)) throw new InputError('lang', 'lang must be a language tag such as "ru-RU"');
  const consent = e.consent === undefined || e.consent === null ? undefined : parseConsent(e.consent);
  // The import's original address and user agent (ignored on /collect): reduced, but the user agent's
  // unknown browser names are kept as sent, so they must be storable too.
  wellFormedIfString(e, 'ip');
  wellFormedIfString(e, 'ua');
  return {
    site,
    consent,
    type: type as RawEvent['type'],
    url,
    referrer: str(e, 'referrer', limits.maxUrlLength, false),
    ts,
    cid: str(e, 'cid', limits.maxCidLength, false),
    eid: str(e, 'eid', limits.maxEidLength, false),
    name,
    screen,
    lang,
    props: props(e.props, limits),
  };
}

function str(e: Record<string, unknown>, field: string, max: number, required: true): string;
function str(e: Record<string, unknown>, field: string, max: number, required: boolean): string | undefined;
function str(e: Record<string, unknown>, field: string, max: number, required: boolean): string | undefined {
  const v = e[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw new InputError(field, `${field} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new InputError(field, `${field} must be a string`);
  if (v.length > max) throw new InputError(field, `${field} must be at most ${max} characters`);
  return wellFormed(v, field);
}

// NOTE: JSON allows lone UTF-16 surrogates ("\ud800"); ClickHouse refuses them when it reads the row,
// which would fail a whole spool segment after the hits were acknowledged. Refused here, by name.
function wellFormed(v: string, field: string): string {
  if (!v.isWellFormed()) throw new InputError(field, `${field} must be well-formed Unicode (it holds a lone UTF-16 surrogate)`);
  return v;
}

function wellFormedIfString(e: Record<string, unknown>, field: string): void {
  const v = e[field];
  if (typeof v === 'string') wellFormed(v, field);
}

function props(v: unknown, limits: EventLimits): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new InputError('props', 'props must be an object of short values');
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > limits.maxProps) throw new InputError('props', `props must have at most ${limits.maxProps} keys`);
  const out: Record<string, string> = {};
  for (const [k, val] of entries) {
    // The key is client text: named in the message once it is short and well-formed, never in the
    // field, which stays a bounded name.
    if (k.length === 0 || k.length > limits.maxPropKeyLength) throw new InputError('props', `props key ${echo(k)} must be 1–${limits.maxPropKeyLength} characters`);
    if (!k.isWellFormed()) throw new InputError('props', `props key ${echo(k)} must be well-formed Unicode (it holds a lone UTF-16 surrogate)`);
    if (typeof val !== 'string' && typeof val !== 'number' && typeof val !== 'boolean') {
      throw new InputError('props', `props.${k} must be a string, number or boolean`);
    }
    const text = String(val);
    if (text.length > limits.maxPropValueLength) throw new InputError('props', `props.${k} must be at most ${limits.maxPropValueLength} characters`);
    if (!text.isWellFormed()) throw new InputError('props', `props.${k} must be well-formed Unicode (it holds a lone UTF-16 surrogate)`);
    out[k] = text;
  }
  return out;
}
