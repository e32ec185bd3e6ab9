// Stored rows → the GraphQL/JSON shapes of a subject export. Pure.
import { fromFlags } from '../consent/consentFlags.ts';
import { isoOf } from '../store/sqlTime.ts';
import type { StoredConsentChange, StoredEvent } from './subjectData.ts';

export function eventView(e: StoredEvent) {
  return {
    time: isoOf(e.ts),
    type: e.type,
    name: e.name,
    host: e.host,
    path: e.path,
    referrerSource: e.referrer_source,
    referrerHost: e.referrer_host,
    utmSource: e.utm_source,
    utmMedium: e.utm_medium,
    utmCampaign: e.utm_campaign,
    utmTerm: e.utm_term,
    utmContent: e.utm_content,
    browser: e.browser,
    os: e.os,
    device: e.device,
    screen: e.screen,
    language: e.language,
    country: e.country,
    region: e.region,
    bot: Number(e.is_bot) === 1,
    consent: fromFlags(Number(e.consent)),
    engagementMs: Number(e.engagement_ms),
    props: e.props,
  };
}

export function consentChangeView(c: StoredConsentChange) {
  return {
    time: isoOf(c.changed_at),
    source: c.source,
    before: c.flags_before === null || c.flags_before === undefined ? null : fromFlags(Number(c.flags_before)),
    after: fromFlags(Number(c.flags_after)),
  };
}

/** The events as CSV: one header line, RFC 4180 quoting, props as JSON. */
export function eventsCsv(events: readonly StoredEvent[]): string {
  const rows = events.map(eventView);
  const columns = ['time', 'type', 'name', 'host', 'path', 'referrerSource', 'referrerHost', 'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'browser', 'os', 'device', 'screen', 'language', 'country', 'region', 'bot', 'consent', 'engagementMs', 'props'] as const;
  const cell = (column: (typeof columns)[number], v: unknown) => {
    const s = column === 'consent' ? consentText(v as ReturnType<typeof fromFlags>) : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
    return csvQuote(s);
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(c, r[c])).join(','))].join('\r\n') + '\r\n';
}

/**
 * One CSV cell: RFC 4180 quoting, and a text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
 * tab or CR first; a visitor's path or a prop can be anything) prefixed with `'` (OWASP's CSV injection).
 * NOTE: the dashboard's copy (web/screens/subjects/subjectFiles.ts) must stay byte for byte the same.
 */
export function csvQuote(raw: string): string {
  const s = /^[=+\-@\t\r]/.test(raw) && !/^-?\d+(\.\d+)?$/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function consentText(c: ReturnType<typeof fromFlags>): string {
  return (Object.keys(c) as Array<keyof typeof c>).filter((k) => c[k]).join(' ');
}
