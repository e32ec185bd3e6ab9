// One `stats` call → one parameterised ClickHouse query, whatever the selection. Pure.
//
// The query, inside out: the site's non-bot hits in the range, each with a visitor key (pid, or the
// day's cookieless hash) → visits (a gap over 30 minutes starts a new one) and each visit's pageviews,
// duration, entry and exit page → the filtered hits folded per (dimensions, visit) → the metrics per
// dimension group and for the totals (GROUPING SETS) → k-anonymity, order and paging by window.
// When no visit-level metric or dimension is asked for, the visit steps are left out.
import { DIMENSION_COLUMNS, METRIC_SQL, timeExpression, VISITOR_KEY_SQL, type Dimension, type Interval, type Metric } from './statsCatalog.ts';
import type { RangeBound, StatsRange } from './statsRange.ts';

export const FILTER_OPS = ['EQ', 'NEQ', 'IN', 'NOT_IN', 'CONTAINS', 'PREFIX'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export interface StatsFilter {
  readonly dimension: Dimension;
  readonly op: FilterOp;
  readonly values: readonly string[];
}

export interface StatsOrder {
  readonly field: Dimension | Metric;
  readonly direction: 'ASC' | 'DESC';
}

export interface StatsQuery {
  readonly site: string;
  readonly timezone: string;
  readonly range: StatsRange;
  /** Rows with fewer distinct visitors are suppressed. */
  readonly k: number;
  /** The grouping, in the order of the selection. */
  readonly dimensions: readonly Dimension[];
  readonly interval: Interval;
  readonly metrics: readonly Metric[];
  readonly filters: readonly StatsFilter[];
  readonly order: readonly StatsOrder[];
  readonly limit: number;
  readonly offset: number;
}

export interface CompiledStats {
  readonly sql: string;
  readonly params: Record<string, unknown>;
  /** Output column of each dimension. */
  readonly columns: ReadonlyMap<Dimension, string>;
  readonly metrics: readonly Metric[];
}

/** A visit ends after this long without a hit from the same visitor. */
export const VISIT_GAP_SECONDS = 1800;

const VISIT_METRICS: ReadonlySet<Metric> = new Set(['visits', 'viewsPerVisit', 'bounceRate', 'visitDuration']);
const VISIT_DIMENSIONS: ReadonlySet<Dimension> = new Set(['entryPage', 'exitPage']);

/** Whether the query needs visits (the window functions); visitors, pageviews and events do not. */
export function needsVisits(q: Pick<StatsQuery, 'dimensions' | 'metrics' | 'filters' | 'order'>): boolean {
  return (
    q.metrics.some((m) => VISIT_METRICS.has(m)) ||
    q.order.some((o) => VISIT_METRICS.has(o.field as Metric)) ||
    q.dimensions.some((d) => VISIT_DIMENSIONS.has(d)) ||
    q.filters.some((f) => VISIT_DIMENSIONS.has(f.dimension))
  );
}

const HIT_COLUMNS = ['ts', 'type', 'name', ...new Set(Object.values(DIMENSION_COLUMNS).filter((c) => c !== 'entry_page' && c !== 'exit_page' && c !== 'name'))];

function bound(name: string, b: RangeBound, params: Record<string, unknown>): string {
  if (b.kind === 'day') {
    params[name] = b.day;
    return `toDateTime64({${name}:String}, 3, {tz:String})`;
  }
  params[name] = b.ms;
  return `fromUnixTimestamp64Milli({${name}:Int64}, 'UTC')`;
}

function dimensionSql(d: Dimension, interval: Interval): string {
  return d === 'time' ? timeExpression(interval) : DIMENSION_COLUMNS[d];
}

function filterSql(f: StatsFilter, i: number, interval: Interval, params: Record<string, unknown>): string {
  const expr = dimensionSql(f.dimension, interval);
  const one = (j: number) => {
    params[`f${i}_${j}`] = f.values[j];
    return `{f${i}_${j}:String}`;
  };
  switch (f.op) {
    case 'EQ':
      return `${expr} = ${one(0)}`;
    case 'NEQ':
      return `${expr} != ${one(0)}`;
    case 'IN':
    case 'NOT_IN':
      params[`f${i}`] = [...f.values];
      return `${expr} ${f.op === 'IN' ? 'IN' : 'NOT IN'} {f${i}:Array(String)}`;
    case 'CONTAINS':
      return `(${f.values.map((_, j) => `positionCaseInsensitiveUTF8(${expr}, ${one(j)}) > 0`).join(' OR ')})`;
    case 'PREFIX':
      return `(${f.values.map((_, j) => `startsWith(${expr}, ${one(j)})`).join(' OR ')})`;
  }
}

/** Visits: a gap over VISIT_GAP_SECONDS starts a new one; each hit learns its visit's pageviews, length, entry and exit. */
const VISITS = `marked AS (
  SELECT *, if(dateDiff('second', lagInFrame(ts, 1, toDateTime64(0, 3, 'UTC')) OVER (PARTITION BY vkey ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), ts) > {gap:UInt32}, 1, 0) AS new_visit
  FROM base
),
visited AS (
  SELECT *, sum(new_visit) OVER (PARTITION BY vkey ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS visit
  FROM marked
),
hits AS (
  SELECT *,
    countIf(type = 'pageview') OVER v AS visit_pageviews,
    dateDiff('second', min(ts) OVER v, max(ts) OVER v) AS visit_duration,
    argMinIf(path, ts, type = 'pageview') OVER v AS entry_page,
    argMaxIf(path, ts, type = 'pageview') OVER v AS exit_page
  FROM visited
  WINDOW v AS (PARTITION BY vkey, visit)
),`;

export function compileStats(q: StatsQuery): CompiledStats {
  const params: Record<string, unknown> = { site: q.site, tz: q.timezone, k: q.k, offset: q.offset, limit: q.limit, gap: VISIT_GAP_SECONDS };
  const from = bound('from', q.range.from, params);
  const to = bound('to', q.range.to, params);
  const dims = q.dimensions.map((d, i) => ({ d, alias: `d${i}`, sql: dimensionSql(d, q.interval) }));
  const columns = new Map(dims.map((x) => [x.d, x.alias] as const));
  const orderMetrics = q.order.map((o) => o.field).filter((f): f is Metric => f in METRIC_SQL);
  const metrics = [...new Set<Metric>(['visitors', ...q.metrics, ...orderMetrics])];
  const where = q.filters.map((f, i) => filterSql(f, i, q.interval, params));
  const dimSelect = dims.map((x) => `${x.sql} AS ${x.alias}`);
  const dimAliases = dims.map((x) => x.alias);
  const groupBy = dims.length === 0 ? '' : `GROUP BY GROUPING SETS ((${dimAliases.join(', ')}), ())`;
  const isTotal = dims.length === 0 ? '1' : `grouping(${dimAliases.join(', ')}) != 0`;
  const orderBy = [
    ...q.order.map((o) => `${columns.get(o.field as Dimension) ?? o.field} ${o.direction}`),
    ...(q.order.length === 0 ? [columns.has('time') ? `${columns.get('time')} ASC` : 'visitors DESC'] : []),
    ...dimAliases.map((a) => `${a} ASC`),
  ];

  // Without visit metrics each hit is its own row: no sorting by visitor, many times faster.
  const perVisit = needsVisits(q)
    ? `${VISITS}
per_visit AS (
  SELECT ${[...dimSelect, 'vkey', 'visit'].join(', ')}, countIf(type = 'pageview') AS pv, countIf(type = 'event') AS ev,
    any(visit_pageviews) AS visit_pageviews, any(visit_duration) AS visit_duration,
    row_number() OVER (PARTITION BY vkey, visit) = 1 AS first
  FROM hits
  ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
  GROUP BY ${[...dimAliases, 'vkey', 'visit'].join(', ')}
),`
    : `per_visit AS (
  SELECT ${[...dimSelect, 'vkey'].join(', ')}, type = 'pageview' AS pv, type = 'event' AS ev
  FROM base
  ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
),`;

  const sql = `WITH
base AS (
  SELECT ${HIT_COLUMNS.join(', ')}, ${VISITOR_KEY_SQL} AS vkey
  FROM events
  WHERE site = {site:String} AND ts >= ${from} AND ts < ${to} AND is_bot = 0
),
${perVisit}
grouped AS (
  SELECT ${[...dimAliases, `${isTotal} AS is_total`, ...metrics.map((m) => `${METRIC_SQL[m](isTotal)} AS ${m}`)].join(', ')}
  FROM per_visit
  ${groupBy}
)
SELECT * FROM (
  SELECT *,
    countIf(NOT is_total AND visitors < {k:UInt32}) OVER () AS suppressed,
    row_number() OVER (PARTITION BY is_total, visitors >= {k:UInt32} ORDER BY ${orderBy.join(', ')}) AS rn
  FROM grouped
)
WHERE is_total OR (visitors >= {k:UInt32} AND rn > {offset:UInt32} AND rn <= {offset:UInt32} + {limit:UInt32})
ORDER BY is_total DESC, rn`;
  return { sql, params, columns, metrics };
}
