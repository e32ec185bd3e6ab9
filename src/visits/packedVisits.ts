// A visitor's visits as the in-process store keeps them: one JSON array text per visitor, each visit its
// row's values in a fixed order and the ids merged into it. NOTE: a store of 200 000 visitors kept rows as
// objects (31 fields, a string each, ~0.9 KB a visitor) and the collector's RSS grew by that under load; the
// text is about a third of it, and only a returning visitor's hit pays for reading it back. Pure.
import type { VisitState } from './placeHit.ts';
import type { VisitRow } from './visitRow.ts';

type Packed = [
  site: string, visit_id: string, version: number, sign: 1 | -1, pid: string, visitor_hash: string, start: string, end: string,
  hits: number, pageviews: number, events: number, entry_page: string, entry_ts: string, exit_page: string, exit_ts: string,
  host: string, referrer_source: string, referrer_host: string, utm_source: string, utm_medium: string, utm_campaign: string,
  utm_term: string, utm_content: string, browser: string, os: string, device: string, screen: string, language: string,
  country: string, region: string, retention_days: number, absorbed: readonly string[],
  hit_paths: readonly string[], hit_names: readonly string[], hit_pairs: VisitRow['hit_pairs'],
];

const pack = ({ row: r, absorbed }: VisitState): Packed => [
  r.site, r.visit_id, r.version, r.sign, r.pid, r.visitor_hash, r.start, r.end, r.hits, r.pageviews, r.events, r.entry_page, r.entry_ts,
  r.exit_page, r.exit_ts, r.host, r.referrer_source, r.referrer_host, r.utm_source, r.utm_medium, r.utm_campaign, r.utm_term,
  r.utm_content, r.browser, r.os, r.device, r.screen, r.language, r.country, r.region, r.retention_days, absorbed,
  r.hit_paths, r.hit_names, r.hit_pairs,
];

function unpack(p: Packed): VisitState {
  const row: VisitRow = {
    site: p[0], visit_id: p[1], version: p[2], sign: p[3], pid: p[4], visitor_hash: p[5], start: p[6], end: p[7], hits: p[8],
    pageviews: p[9], events: p[10], entry_page: p[11], entry_ts: p[12], exit_page: p[13], exit_ts: p[14], host: p[15],
    referrer_source: p[16], referrer_host: p[17], utm_source: p[18], utm_medium: p[19], utm_campaign: p[20], utm_term: p[21],
    utm_content: p[22], browser: p[23], os: p[24], device: p[25], screen: p[26], language: p[27], country: p[28], region: p[29],
    retention_days: p[30], hit_paths: p[32], hit_names: p[33], hit_pairs: p[34],
  };
  return { row, absorbed: p[31] };
}

export const packVisits = (visits: readonly VisitState[]): string => JSON.stringify(visits.map(pack));

export const unpackVisits = (text: string): VisitState[] => (JSON.parse(text) as Packed[]).map(unpack);
