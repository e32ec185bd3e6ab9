// Where one hit goes among its visitor's known visits, and the rows that say so. Pure.
//
// The rule (docs/visits.md): hits of a visitor belong to one visit while no gap between consecutive hits
// exceeds VISIT_GAP_SECONDS, whatever order they arrive in. So a hit joins every known visit whose span it
// comes within the gap of; two or more such visits become one (the earliest keeps its id, the others are
// cancelled and aliased to it); none opens a new visit.
import type { EventRow } from '../privacy/toEventRow.ts';
import { sqlToMs, nowSql } from '../store/sqlTime.ts';
import { unionPairs } from './visitPairs.ts';
import { makeVisitId, VISIT_GAP_SECONDS, type VisitAliasRow, type VisitRow } from './visitRow.ts';

/** A visit as the collector keeps it: its live row and the ids merged into it. */
export interface VisitState {
  readonly row: VisitRow;
  /** Ids of visits merged into this one, whose hits still carry them. */
  readonly absorbed: readonly string[];
}

export interface Placement {
  /** The visit the hit belongs to. */
  readonly visitId: string;
  /** Rows to append: the cancelled versions (-1), then the new version (+1). */
  readonly visitRows: readonly VisitRow[];
  readonly aliasRows: readonly VisitAliasRow[];
  /** The visitor's visits after the hit. */
  readonly visits: readonly VisitState[];
}

const sec = (ms: number) => Math.floor(ms / 1000);
/** The `absorbed` of a visit that merged none: one shared empty list, not one per visitor kept. */
const NONE: readonly string[] = Object.freeze([]);

/** Whether a hit at `ms` comes within the gap of the visit's span (in whole seconds, as dateDiff counts). */
export function touches(v: VisitRow, ms: number): boolean {
  const s = sec(ms);
  return s >= sec(sqlToMs(v.start)) - VISIT_GAP_SECONDS && s <= sec(sqlToMs(v.end)) + VISIT_GAP_SECONDS;
}

/** The visit row of a hit alone. Written out field by field: one object shape for every row. */
function visitOfHit(hit: EventRow, key: string, ms: number): VisitRow {
  const pageview = hit.type === 'pageview';
  const page = pageview ? hit.path : '';
  return {
    site: hit.site,
    visit_id: makeVisitId(ms, key),
    version: 1,
    sign: 1,
    pid: hit.pid,
    visitor_hash: hit.visitor_hash,
    start: hit.ts,
    end: hit.ts,
    hits: 1,
    pageviews: pageview ? 1 : 0,
    events: hit.type === 'event' ? 1 : 0,
    entry_page: page,
    entry_ts: hit.ts,
    exit_page: page,
    exit_ts: hit.ts,
    host: hit.host,
    referrer_source: hit.referrer_source,
    referrer_host: hit.referrer_host,
    utm_source: hit.utm_source,
    utm_medium: hit.utm_medium,
    utm_campaign: hit.utm_campaign,
    utm_term: hit.utm_term,
    utm_content: hit.utm_content,
    browser: hit.browser,
    os: hit.os,
    device: hit.device,
    screen: hit.screen,
    language: hit.language,
    country: hit.country,
    region: hit.region,
    retention_days: hit.retention_days,
    // Every hit's pair, whatever its type: the statistics' page filter matches a custom event's path too.
    hit_paths: [hit.path],
    hit_names: [hit.name],
    hit_pairs: 1,
  };
}

/** Two visits' facts as one; `a` starts no later than `b` and keeps its id and attributes. */
function combine(a: VisitRow, b: VisitRow): VisitRow {
  const out: VisitRow = { ...a };
  if (sqlToMs(b.end) > sqlToMs(a.end)) out.end = b.end;
  out.hits = a.hits + b.hits;
  out.pageviews = a.pageviews + b.pageviews;
  out.events = a.events + b.events;
  const pairs = unionPairs(a, b);
  out.hit_paths = pairs.hit_paths;
  out.hit_names = pairs.hit_names;
  out.hit_pairs = pairs.hit_pairs;
  // A visit without a pageview has no entry or exit page: the other's, if it has one, wins.
  if (b.pageviews > 0 && (a.pageviews === 0 || sqlToMs(b.entry_ts) < sqlToMs(a.entry_ts))) {
    out.entry_page = b.entry_page;
    out.entry_ts = b.entry_ts;
  }
  if (b.pageviews > 0 && (a.pageviews === 0 || sqlToMs(b.exit_ts) >= sqlToMs(a.exit_ts))) {
    out.exit_page = b.exit_page;
    out.exit_ts = b.exit_ts;
  }
  return out;
}

/**
 * Places a hit (not a bot's) at `ms` among `known`, the visitor's visits that could touch it.
 * `key` is the visitor key (visitRow.ts), `now` stamps alias rows.
 */
export function placeHit(known: readonly VisitState[], hit: EventRow, key: string, ms: number, now = Date.now()): Placement {
  const alone = visitOfHit(hit, key, ms);
  // A visitor not seen within the store's memory (most hits of a busy site): nothing to compare.
  if (known.length === 0) return { visitId: alone.visit_id, visitRows: [alone], aliasRows: [], visits: [{ row: alone, absorbed: NONE }] };
  const touching = known.filter((v) => touches(v.row, ms)).sort((x, y) => sqlToMs(x.row.start) - sqlToMs(y.row.start));
  const others = known.filter((v) => !touching.includes(v));
  if (touching.length === 0) {
    return { visitId: alone.visit_id, visitRows: [alone], aliasRows: [], visits: [...others, { row: alone, absorbed: NONE }] };
  }
  const base = touching[0]!;
  // The hit before the earliest visit's start becomes its first hit: its attributes, its id kept.
  let merged = ms < sqlToMs(base.row.start) ? { ...combine({ ...alone, visit_id: base.row.visit_id }, base.row) } : combine(base.row, alone);
  for (const v of touching.slice(1)) merged = combine(merged, v.row);
  merged = { ...merged, visit_id: base.row.visit_id, version: base.row.version + 1, sign: 1 };
  const cancels = touching.map((v): VisitRow => ({ ...v.row, sign: -1 }));
  const absorbed = touching.length === 1 ? base.absorbed : [...base.absorbed, ...touching.slice(1).flatMap((v) => [v.row.visit_id, ...v.absorbed])];
  const at = nowSql(new Date(now));
  // Every id merged into this visit so far points at it again: the newest alias row of an id wins.
  const aliasRows =
    touching.length === 1
      ? []
      : absorbed.map((id): VisitAliasRow => ({ site: hit.site, visit_id: id, alias_of: merged.visit_id, pid: hit.pid, at, retention_days: hit.retention_days }));
  return { visitId: merged.visit_id, visitRows: [...cancels, merged], aliasRows, visits: [...others, { row: merged, absorbed }] };
}
