// The downloads, built from the answer the screen shows (no second request): the same files as
// GET /v1/subjects/export (JSON all of it, CSV the events with the server's columns and quoting), and the
// legal-hold copy as JSON. Pure, so a unit test pins them against the server's own CSV.
import { csvQuote } from '../../ui/csv.ts';
import type { ConsentFlags, LegalHoldRecord, SubjectEvent, SubjectExport } from './subjectApi.ts';

export interface DownloadFile {
  name: string;
  type: string;
  content: string;
}

const CSV_COLUMNS = [
  'time', 'type', 'name', 'host', 'path', 'referrerSource', 'referrerHost', 'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent',
  'browser', 'os', 'device', 'screen', 'language', 'country', 'region', 'bot', 'consent', 'engagementMs', 'props',
] as const;

/** A site id made safe for a file name (ids are the admin's; a name must not carry a path). */
function fileSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'site';
}

const day = (now: Date) => now.toISOString().slice(0, 10);

/** The consent flags that are set, space-separated (as the server's CSV writes them). */
export function consentText(c: ConsentFlags): string {
  return (Object.keys(c) as Array<keyof ConsentFlags>).filter((k) => c[k]).join(' ');
}

/** As the server's csvQuote (src/subjects/subjectView.ts): quoting, and formula-like text prefixed with `'`. */
function csvCell(raw: string): string {
  return csvQuote(/^[=+\-@\t\r]/.test(raw) && !/^-?\d+(\.\d+)?$/.test(raw) ? `'${raw}` : raw);
}

/** The events as CSV: one header line, RFC 4180 quoting, CRLF, props as JSON. */
export function eventsCsv(events: readonly SubjectEvent[]): string {
  const cell = (e: SubjectEvent, c: (typeof CSV_COLUMNS)[number]): string => {
    const v = e[c];
    if (c === 'consent') return csvCell(consentText(e.consent));
    return csvCell(typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  };
  return [CSV_COLUMNS.join(','), ...events.map((e) => CSV_COLUMNS.map((c) => cell(e, c)).join(','))].join('\r\n') + '\r\n';
}

export function subjectCsvFile(site: string, exp: SubjectExport, now = new Date()): DownloadFile {
  return { name: `subject-${fileSafe(site)}-${day(now)}.csv`, type: 'text/csv;charset=utf-8', content: eventsCsv(exp.events) };
}

/** All of it, in the key order of the server's JSON download. */
export function subjectJsonFile(site: string, exp: SubjectExport, now = new Date()): DownloadFile {
  const body = { events: exp.events, consent: exp.consent, consentLog: exp.consentLog, segments: exp.segments, legalHold: exp.legalHold };
  return { name: `subject-${fileSafe(site)}-${day(now)}.json`, type: 'application/json', content: `${JSON.stringify(body, null, 2)}\n` };
}

/** The held copy with what it was handed over under (the basis) and when. */
export function legalHoldJsonFile(site: string, basis: string, held: LegalHoldRecord, now = new Date()): DownloadFile {
  const body = { site, basis, retrievedAt: now.toISOString(), erasures: held.erasures, events: held.events, consent: held.consent, consentLog: held.consentLog, segments: held.segments };
  return { name: `legal-hold-${fileSafe(site)}-${day(now)}.json`, type: 'application/json', content: `${JSON.stringify(body, null, 2)}\n` };
}
