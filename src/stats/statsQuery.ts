// What a compiled statistics query is made of, whichever table answers it (compileStats.ts dispatches):
// the request's types, the range bounds, filters, the grouping frame and the k-anonymity and paging tail.
// Pure; every SQL fragment is from a fixed text or statsCatalog.ts, every request value a parameter.
import { METRIC_SQL, type Dimension, type Interval, type Metric } from './statsCatalog.ts';
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
  /**
   * Whether the totals row is asked for (default: yes). Without it a query with dimensions groups by them
   * alone: the totals' distinct visitors over every row of the range cost as much again as a breakdown's.
   */
  readonly totals?: boolean;
}

export interface CompiledStats {
  readonly sql: string;
  readonly params: Record<string, unknown>;
  /** Output column of each dimension. */
  readonly columns: ReadonlyMap<Dimension, string>;
  readonly metrics: readonly Metric[];
  /**
   * Compiled with visitors counted from lists (compileHitStats.ts HitSqlOptions): when the engine stops it at
   * its memory bound, the query is compiled again with `visitorLists: false`.
   */
  readonly visitorLists?: true;
}

/** A visit ends after this long without a hit from the same visitor: the collector's rule (docs/visits.md). */
export { VISIT_GAP_SECONDS } from '../visits/visitRow.ts';

export function rangeBound(name: string, b: RangeBound, params: Record<string, unknown>): string {
  if (b.kind === 'day') {
    params[name] = b.day;
    return `toDateTime64({${name}:String}, 3, {tz:String})`;
  }
  params[name] = b.ms;
  return `fromUnixTimestamp64Milli({${name}:Int64}, 'UTC')`;
}

/** The condition of filter number `i` on `expr`, the catalogue's SQL of its dimension. */
export function filterSql(f: StatsFilter, i: number, expr: string, params: Record<string, unknown>): string {
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

/** The parts every shape shares: bounds, dimension aliases, metrics, grouping sets and order. */
export function statsFrame(q: StatsQuery, dimensionSql: (d: Dimension) => string) {
  const params: Record<string, unknown> = { site: q.site, tz: q.timezone, k: q.k, offset: q.offset, limit: q.limit };
  const from = rangeBound('from', q.range.from, params);
  const to = rangeBound('to', q.range.to, params);
  const dims = q.dimensions.map((d, i) => ({ d, alias: `d${i}`, sql: dimensionSql(d) }));
  const columns = new Map(dims.map((x) => [x.d, x.alias] as const));
  const orderMetrics = q.order.map((o) => o.field).filter((f): f is Metric => f in METRIC_SQL);
  const metrics = [...new Set<Metric>(['visitors', ...q.metrics, ...orderMetrics])];
  const dimSelect = dims.map((x) => `${x.sql} AS ${x.alias}`);
  const dimAliases = dims.map((x) => x.alias);
  const withTotals = q.totals !== false;
  const groupBy = dims.length === 0 ? '' : withTotals ? `GROUP BY GROUPING SETS ((${dimAliases.join(', ')}), ())` : `GROUP BY ${dimAliases.join(', ')}`;
  const isTotal = dims.length === 0 ? '1' : withTotals ? `grouping(${dimAliases.join(', ')}) != 0` : '0';
  const orderBy = [
    ...q.order.map((o) => `${columns.get(o.field as Dimension) ?? o.field} ${o.direction}`),
    ...(q.order.length === 0 ? [columns.has('time') ? `${columns.get('time')} ASC` : 'visitors DESC'] : []),
    ...dimAliases.map((a) => `${a} ASC`),
  ];
  return { params, from, to, columns, metrics, dimSelect, dimAliases, groupBy, isTotal, orderBy };
}

/**
 * Whether the first page's tail is taken in JavaScript (statsResult.ts timeTail) rather than in the query:
 * by time alone, in the default order. Its groups are at most STATS_LIMITS.maxTimeBuckets buckets, so all
 * of them come back cheaply, and the tail's own grouping, sort and `LIMIT … BY` cost the engine 3–4 ms of
 * CPU per query, planned and run on one thread (docs/performance.md "stats2x"). Same rows, same answer.
 */
export function tailInJs(q: Pick<StatsQuery, 'dimensions' | 'order' | 'offset' | 'limit'>): boolean {
  return q.dimensions.length === 1 && q.dimensions[0] === 'time' && q.order.length === 0 && q.offset === 0 && q.limit > 0;
}

/**
 * After `grouped` (dimension groups and the totals row): k-anonymity, its count, order and paging.
 *
 * On the first page (offset 0) without window functions: the planning of window steps cost the engine
 * 15–35 ms of CPU per query before it read a row (docs/visits.md "The fixed cost of a query"). The
 * groups under k collapse into one row (`shown` 0) whose `n` is their count, each group shown stays its
 * own row (its dimension values are its key), and `LIMIT … BY` pages; withSuppressed (statsResult.ts)
 * then puts the count on every row. Past the first page (or with limit 0, which `LIMIT 0 BY` would answer
 * with no row at all, not even the collapsed one), the window tail: the count of suppressed
 * groups rides on every row, and the first suppressed group comes too (`visitors` under k: toStatsValue
 * never shows it).
 */
export function pagedResult(orderBy: readonly string[], q: Pick<StatsQuery, 'dimensions' | 'order' | 'offset' | 'limit'>, dimAliases: readonly string[], metrics: readonly Metric[]): string {
  if (tailInJs(q)) return 'SELECT * FROM grouped';
  if (q.offset === 0 && q.limit > 0) {
    return `SELECT is_total, g.visitors >= {k:UInt32} AS shown, ${[...dimAliases.map((a) => `if(shown, g.${a}, NULL) AS ${a}`), ...metrics.map((m) => `any(g.${m}) AS ${m}`)].join(', ')}, count() AS n
FROM grouped AS g
GROUP BY ${['is_total', 'shown', ...dimAliases].join(', ')}
ORDER BY is_total DESC, shown DESC, ${orderBy.join(', ')}
LIMIT {limit:UInt32} BY is_total, shown`;
  }
  return `SELECT * FROM (
  SELECT *,
    countIf(NOT is_total AND visitors < {k:UInt32}) OVER () AS suppressed,
    row_number() OVER (PARTITION BY is_total, visitors >= {k:UInt32} ORDER BY ${orderBy.join(', ')}) AS rn
  FROM grouped
)
WHERE is_total OR (visitors >= {k:UInt32} AND rn > {offset:UInt32} AND rn <= {offset:UInt32} + {limit:UInt32}) OR (visitors < {k:UInt32} AND rn = 1)
ORDER BY is_total DESC, rn`;
}
