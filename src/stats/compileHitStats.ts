// Shape 1 of docs/visits.md, and the one fallback of the visit shapes, over the `events` table. Pure.
//
// The query, inside out: the site's non-bot hits in the range, each with a visitor key (pid, or the
// day's cookieless hash) → [visits (a gap over 30 minutes starts a new one) and each visit's pageviews,
// duration, entry and exit page] → the filtered hits folded per (dimensions, visit) → the metrics per
// dimension group and for the totals (GROUPING SETS) → k-anonymity, order and paging by window.
// Without `withVisits` the bracketed visit steps are left out: each hit is its own row, many times faster.
// With them (window functions over every hit of the range, 25–33 × slower than counting visitors) it is
// only asked for a visit metric or entry/exit page together with a `page` or `eventName` DIMENSION: a
// visit row has no single page or event name to group by, so its hits must be folded per visit here.
import { visitNumberingSql } from '../visits/visitRule.ts';
import { DIMENSION_COLUMNS, METRIC_SQL, timeExpression, VISITOR_KEY_COLUMN, VISITOR_LISTS_SETTING, VISITORS_BY_LISTS_SQL, type Dimension, type Interval } from './statsCatalog.ts';
import { filterSql, pagedResult, statsFrame, type CompiledStats, type StatsQuery } from './statsQuery.ts';

const HIT_COLUMNS = ['ts', 'type', 'name', ...new Set(Object.values(DIMENSION_COLUMNS).filter((c) => c !== 'entry_page' && c !== 'exit_page' && c !== 'name'))];

export function hitDimensionSql(d: Dimension, interval: Interval): string {
  return d === 'time' ? timeExpression(interval) : DIMENSION_COLUMNS[d];
}

/** Visits: the hits of `base` numbered by visit (src/visits/visitRule.ts); each learns its visit's pageviews, length, entry and exit. */
const VISITS = `${visitNumberingSql({ source: 'base', partitionBy: 'vkey', numbered: 'visited', column: 'visit' })},
hits AS (
  SELECT *,
    countIf(type = 'pageview') OVER v AS visit_pageviews,
    dateDiff('second', min(ts) OVER v, max(ts) OVER v) AS visit_duration,
    argMinIf(path, ts, type = 'pageview') OVER v AS entry_page,
    argMaxIf(path, ts, type = 'pageview') OVER v AS exit_page
  FROM visited
  WINDOW v AS (PARTITION BY vkey, visit)
),`;

export interface HitSqlOptions {
  /**
   * Visitors of a breakdown by other than time from each group's list of visitor keys (VISITORS_BY_LISTS_SQL:
   * the same answers). Default true; false (after the engine stopped such a query at its memory bound,
   * visitorLists.ts) counts them with `uniq(vkey)`.
   */
  readonly visitorLists?: boolean;
}

/** Whether a query's visitors are counted from lists (HitSqlOptions): hits by dimensions other than time alone. */
function usesVisitorLists(q: StatsQuery, withVisits: boolean, options: HitSqlOptions): boolean {
  return options.visitorLists !== false && !withVisits && q.dimensions.length > 0 && !q.dimensions.includes('time');
}

// The lists' memory bound, and two-level aggregation so that the groups' `arrayReduce` runs on every
// thread (one block of groups ran on one): pages tab 2.07 → 1.77 × B1 in wall clock at 1 M hits. A
// statement's own SETTINGS apply to it alone (chDB's SET statements would stick to its session).
const LISTS_SETTINGS = `SETTINGS ${VISITOR_LISTS_SETTING}, group_by_two_level_threshold = 1, group_by_two_level_threshold_bytes = 1`;

export function compileHitStats(q: StatsQuery, withVisits: boolean, options: HitSqlOptions = {}): CompiledStats {
  const { params, from, to, columns, metrics, dimSelect, dimAliases, groupBy, isTotal, orderBy } = statsFrame(q, (d) => hitDimensionSql(d, q.interval));
  const lists = usesVisitorLists(q, withVisits, options);
  const metricSql = (m: (typeof metrics)[number]) => (lists && m === 'visitors' ? VISITORS_BY_LISTS_SQL : METRIC_SQL[m](isTotal));
  const where = q.filters.map((f, i) => filterSql(f, i, hitDimensionSql(f.dimension, q.interval), params));

  const perVisit = withVisits
    ? `${VISITS}
per_visit AS (
  SELECT ${[...dimSelect, 'vkey', 'visit'].join(', ')}, countIf(type = 'pageview') AS pv, countIf(type = 'event') AS ev,
    any(visit_pageviews) AS visit_pageviews, any(visit_duration) AS visit_duration,
    row_number() OVER (PARTITION BY vkey, visit) = 1 AS first
  FROM hits
  ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
  GROUP BY ${[...dimAliases, 'vkey', 'visit'].join(', ')}
),`
    : hitRowsSql(dimSelect, where);

  const sql = `WITH
${hitBaseSql(from, to)}
${perVisit}
grouped AS (
  SELECT ${[...dimAliases, `${isTotal} AS is_total`, ...metrics.map((m) => `${metricSql(m)} AS ${m}`)].join(', ')}
  FROM per_visit
  ${groupBy}
)
${pagedResult(orderBy, q, dimAliases, metrics)}${lists ? `\n${LISTS_SETTINGS}` : ''}`;
  return { sql, params, columns, metrics, ...(lists ? { visitorLists: true } : {}) };
}

/** The site's non-bot hits in the range, each with its visitor key: `base`. */
function hitBaseSql(from: string, to: string): string {
  return `base AS (
  SELECT ${HIT_COLUMNS.join(', ')}, ${VISITOR_KEY_COLUMN} AS vkey
  FROM events
  WHERE site = {site:String} AND ts >= ${from} AND ts < ${to} AND is_bot = 0
),`;
}

/** Without visit metrics each filtered hit is its own row: `per_visit`, after `base`. */
function hitRowsSql(dimSelect: readonly string[], where: readonly string[]): string {
  return `per_visit AS (
  SELECT ${[...dimSelect, 'vkey'].join(', ')}, type = 'pageview' AS pv, type = 'event' AS ev
  FROM base
  ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
),`;
}

/**
 * `base` and `per_visit` of shape 1 (no visit metric) with `dimSelect`, for a batch of queries over the
 * same site, range and filters (compileStatsBatch.ts), as compileHitStats builds them for one.
 */
export function hitRowsOfBatchSql(q: StatsQuery, dimSelect: readonly string[], params: Record<string, unknown>, from: string, to: string): string {
  const where = q.filters.map((f, i) => filterSql(f, i, hitDimensionSql(f.dimension, q.interval), params));
  return `${hitBaseSql(from, to)}
${hitRowsSql(dimSelect, where)}`;
}
