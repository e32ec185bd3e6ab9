// The privacy stage: a validated hit becomes a row that holds no raw identifier.
import { randomUUID } from 'node:crypto';
import type { RawEvent } from '../collect/validateEvent.ts';
import type { Site } from '../sites/siteStore.ts';
import { nowSql } from '../store/sqlTime.ts';
import { CONSENT_BITS, toFlags } from '../consent/consentFlags.ts';
import type { Pseudonym } from './pseudonymiser.ts';
import type { Reducers } from './reducers.ts';
import { redact, reduceUrl, referrerHost } from './reduceUrl.ts';
import { classifyReferrer } from './referrerSource.ts';

/** What the request carried besides the body. NOTE: raw values; they die with the request. */
export interface RequestTraits {
  readonly ip: string;
  readonly userAgent: string;
  /** The `_cid` cookie from the Cookie header, when the body had no cid. */
  readonly cookieId: string | undefined;
}


export interface EventRow {
  site: string;
  ts: string;
  event_id: string;
  pid: string;
  key_version: number;
  visitor_hash: string;
  type: RawEvent['type'];
  name: string;
  host: string;
  path: string;
  referrer_source: string;
  referrer_host: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  utm_term: string;
  utm_content: string;
  browser: string;
  os: string;
  device: string;
  screen: string;
  language: string;
  country: string;
  region: string;
  is_bot: number;
  consent: number;
  engagement_ms: number;
  props: Record<string, string>;
  retention_days: number;
}

export interface ReducedEvent {
  readonly row: EventRow;
  /** The cookie's pseudonym even when the row is cookieless, so a refusal of consent can be recorded. */
  readonly pseudonym: Pseudonym | undefined;
}

/**
 * Reduces a validated hit. Without statistics consent the hit still counts, cookieless (policy 5.2):
 * pid 0 and the day's visitor hash, never linked to the cookie.
 */
export async function toEventRow(e: RawEvent, site: Site, req: RequestTraits, reducers: Reducers): Promise<ReducedEvent> {
  return toEventRowNow(e, site, req, reducers);
}

/**
 * The last cookieless hash of each request: a batch's cookieless hits share its address and user agent, so
 * one HMAC serves every hit of the same site and day. NOTE: keyed by the request's own traits object, so
 * nothing of it outlives the request.
 */
const dayHashes = new WeakMap<RequestTraits, { by: Reducers['pseudonymiser']; site: string; day: string; hash: string }>();

/**
 * toEventRow, but a hit with its statistics pseudonym, or a cookieless one whose day's salt is at hand
 * (dailyVisitorHashNow), is reduced at once, without a promise: the batched path reduces hundreds of
 * hits per request, and a promise and a turn of the microtask queue per hit were a measurable part of it.
 */
export function toEventRowNow(e: RawEvent, site: Site, req: RequestTraits, reducers: Reducers): ReducedEvent | Promise<ReducedEvent> {
  const cid = e.cid ?? req.cookieId;
  const ts = nowSql(new Date(e.ts));
  const consent = e.consent === undefined ? site.defaultConsent : toFlags(e.consent);
  const pseudonym = cid === undefined ? undefined : reducers.pseudonymiser.pseudonymise(site.id, cid);
  const p = (consent & CONSENT_BITS.statistics) !== 0 ? pseudonym : undefined;
  if (p !== undefined) return reduced(e, site, req, reducers, ts, consent, pseudonym, p, '0');
  const day = ts.slice(0, 10);
  const traits = `${req.ip}\0${req.userAgent}`;
  const last = dayHashes.get(req);
  const hash = last !== undefined && last.by === reducers.pseudonymiser && last.site === site.id && last.day === day ? last.hash : reducers.pseudonymiser.dailyVisitorHashNow(site.id, day, traits);
  if (hash !== undefined) {
    dayHashes.set(req, { by: reducers.pseudonymiser, site: site.id, day, hash });
    return reduced(e, site, req, reducers, ts, consent, pseudonym, undefined, hash);
  }
  return reducers.pseudonymiser.dailyVisitorHash(site.id, day, traits).then((h) => reduced(e, site, req, reducers, ts, consent, pseudonym, undefined, h));
}

function reduced(
  e: RawEvent,
  site: Site,
  req: RequestTraits,
  reducers: Reducers,
  ts: string,
  consent: number,
  pseudonym: Pseudonym | undefined,
  p: Pseudonym | undefined,
  visitorHash: string,
): ReducedEvent {
  const url = reduceUrl(e.url);
  const referrer = classifyReferrer(referrerHost(e.referrer), site.hostnames);
  const ua = reducers.userAgent(req);
  const geo = reducers.geo(req);
  const props: Record<string, string> = {};
  const engagement = e.type === 'engagement';
  for (const k in e.props) if (Object.hasOwn(e.props, k) && !(engagement && k === 'ms')) props[redact(k)] = redact(e.props[k]!);
  const { utm } = url;
  const row: EventRow = {
    site: site.id,
    ts,
    event_id: e.eid ?? randomUUID(),
    pid: p?.pid ?? '0',
    key_version: p?.keyVersion ?? 0,
    visitor_hash: visitorHash,
    type: e.type,
    name: e.name,
    host: url.host,
    path: url.path,
    referrer_source: referrer.source,
    referrer_host: referrer.host,
    utm_source: utm.utm_source,
    utm_medium: utm.utm_medium,
    utm_campaign: utm.utm_campaign,
    utm_term: utm.utm_term,
    utm_content: utm.utm_content,
    browser: ua.browser,
    os: ua.os,
    device: ua.device,
    screen: e.screen,
    language: e.lang.toLowerCase(),
    country: geo.country,
    region: geo.region,
    is_bot: ua.isBot ? 1 : 0,
    consent,
    engagement_ms: engagement ? engagementMs(e.props.ms) : 0,
    props,
    retention_days: site.retentionDays,
  };
  return { row, pseudonym };
}

/** Engagement hits carry their visible time as props.ms; stored in its own column, capped at a day. */
function engagementMs(ms: string | undefined): number {
  const n = Number(ms);
  return Number.isFinite(n) && n > 0 ? Math.min(Math.round(n), 86_400_000) : 0;
}
