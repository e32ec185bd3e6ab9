// The `visits` and `visit_aliases` tables' rows (schema/clickhouse/0006_visits.sql, docs/visits.md), the
// visitor key a visit belongs to and how a visit's id is made. Pure.
import type { EventRow } from '../privacy/toEventRow.ts';
import { nowSql, sqlToMs } from '../store/sqlTime.ts';
import { jsonInner, jsonString } from '../store/jsonText.ts';
import type { VisitPairs } from './visitPairs.ts';

/** A visit ends after this long without a hit from the same visitor (whole seconds, as dateDiff counts). */
export const VISIT_GAP_SECONDS = 1800;

/** The attributes a visit takes from its first hit. */
export const VISIT_ATTRIBUTES = [
  'host',
  'referrer_source',
  'referrer_host',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'browser',
  'os',
  'device',
  'screen',
  'language',
  'country',
  'region',
] as const satisfies ReadonlyArray<keyof EventRow>;

export type VisitAttributes = Pick<EventRow, (typeof VISIT_ATTRIBUTES)[number]>;

/** One version of a visit: `sign` 1 states it, -1 cancels the same version. Times as ClickHouse text. */
export interface VisitRow extends VisitAttributes, VisitPairs {
  site: string;
  visit_id: string;
  version: number;
  sign: 1 | -1;
  pid: string;
  visitor_hash: string;
  start: string;
  end: string;
  hits: number;
  pageviews: number;
  events: number;
  entry_page: string;
  entry_ts: string;
  exit_page: string;
  exit_ts: string;
  retention_days: number;
}

/** A visit merged into an earlier one: hits that carry `visit_id` belong to `alias_of`. */
export interface VisitAliasRow {
  site: string;
  visit_id: string;
  alias_of: string;
  pid: string;
  at: string;
  retention_days: number;
}

/**
 * The visitor a hit counts for, as text: the cookie's pid, or the day's cookieless hash (the same key the
 * statistics use: `if(pid != 0, pid, cityHash64(toDate(ts), visitor_hash))`, so never across midnight UTC).
 */
export function visitorKey(row: Pick<EventRow, 'pid' | 'visitor_hash' | 'ts'>): string {
  return row.pid !== '0' ? `p${row.pid}` : `c${row.ts.slice(0, 10)}:${row.visitor_hash}`;
}

/** FNV-1a over the key's UTF-16 units: spreads visits that start in the same millisecond. */
function hash20(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) & 0xfffff;
}

/** A visit's id: its first seen hit's time in ms, shifted left 20 bits, with 20 bits of the visitor. */
export function makeVisitId(ms: number, key: string): string {
  return ((BigInt(ms) << 20n) | BigInt(hash20(key))).toString();
}

/** Rows of `visits` as read back (ISO times) → as written (ClickHouse text). */
export function normaliseStoredVisit(r: VisitRow): VisitRow {
  const t = (v: string) => nowSql(new Date(sqlToMs(v)));
  return { ...r, start: t(r.start), end: t(r.end), entry_ts: t(r.entry_ts), exit_ts: t(r.exit_ts), version: Number(r.version), sign: 1, hits: Number(r.hits), pageviews: Number(r.pageviews), events: Number(r.events), retention_days: Number(r.retention_days), hit_pairs: Number(r.hit_pairs ?? 0) as VisitRow['hit_pairs'], hit_paths: r.hit_paths ?? [], hit_names: r.hit_names ?? [] };
}

const strs = (a: readonly string[]): string => (a.length === 1 ? '["' + jsonInner(a[0]!) + '"]' : `[${a.map(jsonString).join(',')}]`);

/** Each attribute's constant piece, `,"host":"`: a field is then two string adds, no short copies. */
const ATTRIBUTE_KEYS = VISIT_ATTRIBUTES.map((a) => `,"${a}":"`);

/**
 * A visit row as one JSONEachRow line (with its newline), as JSON.stringify would write it but without the
 * fields at their column's default ('' or 0: ClickHouse fills them in, the schema gives these columns no
 * DEFAULT expression): a hit writes one or two such rows, so this is on the ingest path's hot loop. Ids,
 * pids and times are written as they are (digits, ClickHouse time text).
 */
export function visitRowLine(r: VisitRow): string {
  let out = '{"site":"' + jsonInner(r.site) + '","visit_id":"' + r.visit_id + '","version":' + r.version + ',"sign":' + r.sign + ',"pid":"' + r.pid + '","visitor_hash":"' + r.visitor_hash + '","start":"' + r.start + '","end":"' + r.end + '","hits":' + r.hits;
  if (r.pageviews !== 0) out = out + ',"pageviews":' + r.pageviews;
  if (r.events !== 0) out = out + ',"events":' + r.events;
  if (r.entry_page !== '') out = out + ',"entry_page":"' + jsonInner(r.entry_page) + '"';
  out = out + ',"entry_ts":"' + r.entry_ts + '"';
  if (r.exit_page !== '') out = out + ',"exit_page":"' + jsonInner(r.exit_page) + '"';
  out = out + ',"exit_ts":"' + r.exit_ts + '"';
  for (let i = 0; i < VISIT_ATTRIBUTES.length; i++) {
    const v = r[VISIT_ATTRIBUTES[i]!];
    if (v !== '') out = out + ATTRIBUTE_KEYS[i]! + jsonInner(v) + '"';
  }
  // The pairs only when the row vouches for them (a state from an older collector has no such fields).
  if (r.hit_pairs === 1) out = out + ',"hit_paths":' + strs(r.hit_paths) + ',"hit_names":' + strs(r.hit_names) + ',"hit_pairs":1';
  else if (r.hit_pairs === 2) out = out + ',"hit_pairs":2';
  return out + ',"retention_days":' + r.retention_days + '}\n';
}
