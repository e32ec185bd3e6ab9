// Shape and size checks for one incoming hit (policy 1.3: validated for shape, not truth). Pure.
import { ConsentError, parseConsent, type Consent } from '../consent/consentFlags.ts';

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

export class EventError extends Error {
  override name = 'EventError';
}

const TYPES = new Set(['pageview', 'event', 'engagement']);

/** Returns the event or throws EventError whose message names the field and what it expects. */
export function validateEvent(input: unknown, now: number, limits: EventLimits = EVENT_LIMITS): RawEvent {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new EventError('event must be a JSON object');
  const e = input as Record<string, unknown>;
  const site = str(e, 'site', 64, true);
  const type = e.type === undefined ? 'pageview' : e.type;
  if (typeof type !== 'string' || !TYPES.has(type)) throw new EventError('type must be one of "pageview", "event", "engagement"');
  const urlText = str(e, 'url', limits.maxUrlLength, true);
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new EventError('url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EventError('url must be an absolute http(s) URL');
  let ts = now;
  if (e.ts !== undefined) {
    if (typeof e.ts !== 'number' || !Number.isInteger(e.ts)) throw new EventError('ts must be an integer timestamp in milliseconds');
    if (e.ts < now - limits.maxAgeMs) throw new EventError(`ts must be at most ${Math.round((limits.maxAgeMs / 3_600_000) * 100) / 100} hours old`);
    if (e.ts > now + limits.maxFutureMs) throw new EventError(`ts must be at most ${limits.maxFutureMs / 60_000} minutes ahead of the server clock`);
    ts = e.ts;
  }
  const name = str(e, 'name', limits.maxNameLength, type === 'event') ?? '';
  const screen = str(e, 'screen', 11, false) ?? '';
  if (screen !== '' && !/^\d{2,5}x\d{2,5}$/.test(screen)) throw new EventError('screen must look like "1920x1080"');
  const lang = str(e, 'lang', 35, false) ?? '';
  if (lang !== '' && !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(lang)) throw new EventError('lang must be a language tag such as "ru-RU"');
  let consent: Consent | undefined;
  if (e.consent !== undefined && e.consent !== null) {
    try {
      consent = parseConsent(e.consent);
    } catch (err) {
      throw new EventError((err as ConsentError).message);
    }
  }
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
    if (required) throw new EventError(`${field} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new EventError(`${field} must be a string`);
  if (v.length > max) throw new EventError(`${field} must be at most ${max} characters`);
  return wellFormed(v);
}

// NOTE: JSON allows lone UTF-16 surrogates ("\ud800"); ClickHouse refuses them when it reads the row,
// which would fail a whole batch. They become U+FFFD here, before anything is stored.
export function wellFormed(s: string): string {
  return /\p{Cs}/u.test(s) ? s.replace(/\p{Cs}/gu, '\uFFFD') : s;
}

function props(v: unknown, limits: EventLimits): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new EventError('props must be an object of short values');
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > limits.maxProps) throw new EventError(`props must have at most ${limits.maxProps} keys`);
  const out: Record<string, string> = {};
  for (const [k, val] of entries) {
    if (k.length === 0 || k.length > limits.maxPropKeyLength) throw new EventError(`props key "${k.slice(0, 20)}" must be 1–${limits.maxPropKeyLength} characters`);
    if (typeof val !== 'string' && typeof val !== 'number' && typeof val !== 'boolean') {
      throw new EventError(`props.${k} must be a string, number or boolean`);
    }
    const text = String(val);
    if (text.length > limits.maxPropValueLength) throw new EventError(`props.${k} must be at most ${limits.maxPropValueLength} characters`);
    out[wellFormed(k)] = wellFormed(text);
  }
  return out;
}
