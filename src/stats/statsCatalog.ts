// The allow-lists of the statistics compiler: every dimension and metric a query may name, with the
// only SQL it may become. Nothing from a request is ever spliced into SQL; it picks from here.

export const INTERVALS = ['HOUR', 'DAY', 'WEEK', 'MONTH'] as const;
export type Interval = (typeof INTERVALS)[number];

/** A visitor of a hit or of a `visits` row: the visit rule's own (src/visits/visitRule.ts). */
export { VISIT_VISITOR_KEY_SQL, VISITOR_KEY_SQL } from '../visits/visitRule.ts';

/**
 * The hit's visitor stored on `events` (migration 0008: MATERIALIZED as VISITOR_KEY_SQL, the same values):
 * one column to read and hash instead of the expression over three: 7–27 % less CPU for a hits breakdown.
 */
export const VISITOR_KEY_COLUMN = 'visitor_key';

/**
 * StatsRow dimension fields → the hit- or visit-level column they group by. `time` is built per interval.
 * Every column but `path` and `name` (HIT_DIMENSIONS) is also a column of `visits`, under the same name.
 */
export const DIMENSION_COLUMNS = {
  page: 'path',
  entryPage: 'entry_page',
  exitPage: 'exit_page',
  host: 'host',
  referrerSource: 'referrer_source',
  referrerHost: 'referrer_host',
  utmSource: 'utm_source',
  utmMedium: 'utm_medium',
  utmCampaign: 'utm_campaign',
  utmTerm: 'utm_term',
  utmContent: 'utm_content',
  browser: 'browser',
  os: 'os',
  device: 'device',
  country: 'country',
  region: 'region',
  language: 'language',
  screen: 'screen',
  eventName: 'name',
} as const;

export type ColumnDimension = keyof typeof DIMENSION_COLUMNS;
/** Dimensions of a hit, not of its visit: `visits` has no column for them. */
export const HIT_DIMENSIONS: ReadonlySet<ColumnDimension> = new Set(['page', 'eventName']);
export type Dimension = ColumnDimension | 'time';
export const DIMENSIONS: readonly Dimension[] = ['time', ...(Object.keys(DIMENSION_COLUMNS) as ColumnDimension[])];

/** Local time of the bucket start in the site's zone, as ISO text without offset: of a hit's `ts` or a visit's `start`. */
export function timeExpression(interval: Interval, column: 'ts' | 'start' = 'ts'): string {
  switch (interval) {
    case 'HOUR':
      return `formatDateTime(toStartOfHour(${column}, {tz:String}), '%Y-%m-%dT%H:00', {tz:String})`;
    case 'DAY':
      return `toString(toDate(${column}, {tz:String}))`;
    case 'WEEK':
      return `toString(toMonday(toDate(${column}, {tz:String})))`;
    case 'MONTH':
      return `toString(toStartOfMonth(toDate(${column}, {tz:String})))`;
  }
}

/**
 * Metrics over the per-visit rows of the hits query (see compileHitStats.ts). In a dimension group each
 * row is a distinct visit; in the totals a visit split over several groups has several rows, and only
 * its `first` one counts for visit-level metrics. `total` is the SQL that tells the totals row.
 */
// NOTE: visitors by `uniq`, measured 1.2–1.7 × faster than `uniqExact` over 10 M hits: it counts distinct
// 64-bit hashes exactly up to 65 536 of them (so never more than the true count there: a row at k − 1 is
// never shown as k) and estimates above (±1 %), far from any site's k.
export const METRIC_SQL = {
  visitors: () => 'uniq(vkey)',
  visits: (total: string) => `if(${total}, countIf(first), count())`,
  pageviews: () => 'sum(pv)',
  events: () => 'sum(ev)',
  viewsPerVisit: (total: string) => `round(ifNotFinite(sum(pv) / if(${total}, countIf(first), count()), 0), 2)`,
  bounceRate: (total: string) =>
    `round(ifNotFinite(100 * if(${total}, countIf(first AND visit_pageviews <= 1) / countIf(first), countIf(visit_pageviews <= 1) / count()), 0), 1)`,
  visitDuration: (total: string) => `round(ifNotFinite(if(${total}, avgIf(visit_duration, first), avg(visit_duration)), 0), 1)`,
} as const;

export type Metric = keyof typeof METRIC_SQL;

/**
 * `visitors` of a breakdown over the hits by anything but time (the pages tab): the same `uniq` over the
 * same values, but each group's state filled at once from that group's list instead of one value at a
 * time across every group. NOTE: uniq's answer depends only on the set of values it was given (its state
 * keeps the hashes whose low bits are zero, the number of those bits the least that fits, whatever the
 * order), so this answers exactly as `uniq(vkey)`. Why: a hit's value went to a random one of the
 * groups' states, each up to half a megabyte, so with tens of groups nearly every insert missed the
 * cache; one group's list at a time stays in it (docs/visits.md "The pages tab"). It holds 8 bytes per hit
 * while the query runs: bounded by VISITOR_LISTS_MAX_BYTES below.
 */
export const VISITORS_BY_LISTS_SQL = "arrayReduce('uniq', groupArray(vkey))";
/** The same over `visits` rows: the live ones' keys (VISIT_METRIC_SQL.visitors). */
export const VISIT_VISITORS_BY_LISTS_SQL = "arrayReduce('uniq', groupArrayIf(vkey, live))";

/**
 * The memory a query with VISITORS_BY_LISTS_SQL may take (its `max_memory_usage`). Measured at 10 M hits in
 * the range: the pages tab alone under 256 MiB, the overview's hit batch (pages and events: two lists a
 * hit) 304–512 MiB, its visit batch (2.5 M visits, five sets) under 256 MiB; so about 20 M hits for the
 * batch. Past it the engine stops the query (MEMORY_LIMIT_EXCEEDED) and it is asked again with `uniq`,
 * whose states are bounded, as are the site's next queries for a while (visitorLists.ts).
 */
export const VISITOR_LISTS_MAX_BYTES = 1024 * 1024 * 1024;
/** The setting that bounds them, for a statement's own SETTINGS clause (a chDB SET would stick to its session). */
export const VISITOR_LISTS_SETTING = `max_memory_usage = ${VISITOR_LISTS_MAX_BYTES}`;

/**
 * The same metrics over `visits` rows (see compileVisitStats.ts), one row per visit version: `sign` is +1
 * for a version, -1 for its cancel, so sums weighted by it count each live visit once, merged or not.
 * `live` is a +1 row whose version has no cancel in the range: only those name a visitor.
 */
export const VISIT_METRIC_SQL: Record<Metric, string> = {
  visitors: 'uniqIf(vkey, live)',
  visits: 'sum(sign)',
  pageviews: 'sum(sign * pv)',
  events: 'sum(sign * ev)',
  viewsPerVisit: 'round(ifNotFinite(sum(sign * pv) / sum(sign), 0), 2)',
  bounceRate: 'round(ifNotFinite(100 * sum(sign * (pv <= 1)) / sum(sign), 0), 1)',
  visitDuration: 'round(ifNotFinite(sum(sign * duration) / sum(sign), 0), 1)',
};
export const METRICS = Object.keys(METRIC_SQL) as Metric[];

/** UPPER_SNAKE enum value ↔ camelCase field, for Dimension and StatsField. */
export function enumToField(value: string): string {
  return value.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function fieldToEnum(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}
