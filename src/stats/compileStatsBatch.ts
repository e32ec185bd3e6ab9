// Several `stats` calls over the same rows → one query, each call's answer split back out. Pure.
//
// The dashboard's overview asks a dozen breakdowns of one range and filters, each of one dimension: the
// visit attributes and entry/exit pages (docs/visits.md shape 2, or 3 with a page or event filter) and
// the chart by time read the same `visits` rows, pages and events (shape 1) the same hits. Alone, each
// call scans them again. Batched, they are read once and grouped by `GROUPING SETS ((d0), (d1), …, ())`;
// `gset` tells which set a row belongs to, and k-anonymity, its count, order and paging are taken per
// set, exactly as compileVisitStats.ts and compileHitStats.ts take them for one call (the `()` set is the
// totals every call shares, there only when a call asks for its totals). Only calls with one dimension and the default order are batched: by time,
// ascending; by anything else, visitors descending then the value. No window function: each set's groups
// under k collapse into one counted row and `LIMIT … BY` keeps each set's first rows (statsQuery.ts
// pagedResult); rankStatsBatch numbers them and splitStatsBatch cuts each call's page.
import { hitDimensionSql, hitRowsOfBatchSql } from './compileHitStats.ts';
import { statsShape, type StatsSqlOptions } from './compileStats.ts';
import { visitBaseSql, visitDimensionSql } from './compileVisitStats.ts';
import { METRIC_SQL, VISIT_METRIC_SQL, VISIT_VISITORS_BY_LISTS_SQL, VISITOR_LISTS_SETTING, VISITORS_BY_LISTS_SQL, type Dimension, type Metric } from './statsCatalog.ts';
import { rangeBound, type CompiledStats, type StatsQuery } from './statsQuery.ts';
import type { ResultRow } from './statsResult.ts';

/**
 * A batched call's page: at most this many rows, so a batch stays far below the result row limit (time
 * rows are bounded anyway: at most STATS_LIMITS.maxTimeBuckets buckets, so time pages freely).
 */
export const BATCH_MAX_LIMIT = 1000;
/** At most this many grouping sets (dimensions) in one batch. */
export const BATCH_MAX_SETS = 16;

/** Which rows a batch reads: `visits` (shapes 2 and 3) or the hits without visit windows (shape 1). */
export type BatchRows = 'visits' | 'hits';

function rowsOf(q: StatsQuery): BatchRows | undefined {
  const shape = statsShape(q);
  if (shape === 'hits') return 'hits';
  return shape === 'visits' || shape === 'visitsOfHits' ? 'visits' : undefined;
}

/** Whether the call may join a batch; calls that may not run alone. */
export function isBatchable(q: StatsQuery): boolean {
  return rowsOf(q) !== undefined && q.dimensions.length === 1 && q.order.length === 0 && (q.dimensions[0] === 'time' || q.offset + q.limit <= BATCH_MAX_LIMIT);
}

/**
 * Calls with equal keys read the same rows: same table, site, zone, range, k and filters (and interval, for
 * a time filter; a time dimension's interval is its set's, see groupBatches).
 */
export function batchKey(q: StatsQuery): string {
  const interval = q.filters.some((f) => f.dimension === 'time') ? q.interval : '';
  return JSON.stringify([rowsOf(q), q.site, q.timezone, q.range.from, q.range.to, q.k, interval, q.filters]);
}

/**
 * Batchable calls → groups, each one query: same key, at most BATCH_MAX_SETS dimensions, and the calls of
 * one dimension (one set, numbered once) together only while the rows they page span at most BATCH_MAX_LIMIT
 * (by time: while they ask one interval).
 */
export function groupBatches<T extends { q: StatsQuery }>(calls: readonly T[]): T[][] {
  const groups: Array<{ key: string; calls: T[]; spans: Map<Dimension, { lo: number; hi: number; interval: string }> }> = [];
  for (const c of calls) {
    const key = batchKey(c.q);
    const dim = c.q.dimensions[0] as Dimension;
    const mine = { lo: c.q.offset, hi: c.q.offset + c.q.limit, interval: c.q.interval };
    const merged = (g: (typeof groups)[number]) => {
      const s = g.spans.get(dim);
      if (s === undefined) return g.spans.size < BATCH_MAX_SETS ? mine : undefined;
      const span = { lo: Math.min(s.lo, mine.lo), hi: Math.max(s.hi, mine.hi), interval: s.interval };
      if (dim === 'time') return s.interval === mine.interval ? span : undefined;
      return span.hi - span.lo <= BATCH_MAX_LIMIT ? span : undefined;
    };
    let g = groups.find((x) => x.key === key && merged(x) !== undefined);
    if (g === undefined) {
      g = { key, calls: [], spans: new Map() };
      groups.push(g);
    }
    g.calls.push(c);
    g.spans.set(dim, merged(g) ?? mine);
  }
  return groups.map((x) => x.calls);
}

export interface CompiledBatch {
  readonly sql: string;
  readonly params: Record<string, unknown>;
  /** The grouping sets' dimensions: set j groups by column `d{j}`; `gset` = their count marks the totals. */
  readonly dims: readonly Dimension[];
  /** Visitors counted from lists: compiled again with `visitorLists: false` when the engine stops it at their bound. */
  readonly visitorLists?: true;
}

/** One query for calls grouped by groupBatches (same key); a set's rows span its calls' pages. */
export function compileStatsBatch(qs: readonly StatsQuery[], options: StatsSqlOptions = {}): CompiledBatch {
  const q = qs[0];
  const rows = q === undefined ? undefined : rowsOf(q);
  if (q === undefined || rows === undefined) throw new Error('a batch needs batchable calls');
  // Time first, so that its set (every other dimension NULL) orders by it before the others'.
  const dims = [...new Set(qs.map((c) => c.dimensions[0] as Dimension))].sort((a, b) => Number(b === 'time') - Number(a === 'time'));
  const params: Record<string, unknown> = { site: q.site, tz: q.timezone, k: q.k };
  const from = rangeBound('from', q.range.from, params);
  const to = rangeBound('to', q.range.to, params);
  const aliases = dims.map((_, j) => `d${j}`);
  // The interval of the time set (one per batch), else of any call (then only a time filter reads it, and that is in the key).
  const interval = qs.find((c) => c.dimensions[0] === 'time')?.interval ?? q.interval;
  const dimSql = (d: Dimension) => (rows === 'visits' ? visitDimensionSql(d, interval) : hitDimensionSql(d, interval));
  const dimSelect = dims.map((d, j) => `${dimSql(d)} AS ${aliases[j]}`);
  const metrics = [...new Set<Metric>(['visitors', ...qs.flatMap((c) => c.metrics)])];
  const n = dims.length;
  // The totals set only when a call asks for its totals: over every row, it costs as much as a breakdown.
  const totalsSet = qs.some((c) => c.totals !== false) ? ', ()' : '';
  const gset = `multiIf(${aliases.map((a, j) => `grouping(${a}) = 0, ${j}`).join(', ')}, ${n})`;
  dims.forEach((d, j) => {
    const mine = qs.filter((c) => c.dimensions[0] === d);
    // Each set's page span (lo kept for the reader of params: the rows are cut in splitStatsBatch).
    params[`lo${j}`] = Math.min(...mine.map((c) => c.offset));
    params[`hi${j}`] = Math.max(...mine.map((c) => c.offset + c.limit));
  });
  // Visitors from each group's list, as for one call of hits (compileHitStats.ts): the grouping sets' states
  // all live at once, so the same cache misses. A row is in one list per set (the overview's first request:
  // 16 bytes a hit for pages and events, 40 a visit for its five visit sets), under the same memory bound.
  // Hits by time keep `uniq` (their day-by-day states stay in cache, as B1's do: not measured with lists).
  const lists = options.visitorLists !== false && (rows === 'visits' || !dims.includes('time'));
  const hitMetric = (m: Metric) => (lists && m === 'visitors' ? VISITORS_BY_LISTS_SQL : METRIC_SQL[m](`gset = ${n}`));
  const visitMetric = (m: Metric) => (lists && m === 'visitors' ? VISIT_VISITORS_BY_LISTS_SQL : VISIT_METRIC_SQL[m]);
  const source =
    rows === 'visits'
      ? { tables: visitBaseSql(q, dimSelect, params, from, to, options), from: 'base', having: 'HAVING sum(sign) > 0', metric: visitMetric }
      : { tables: hitRowsOfBatchSql(q, dimSelect, params, from, to), from: 'per_visit', having: '', metric: hitMetric };
  const byVisitors = dims[0] === 'time' ? 'if(gset = 0, 0, visitors) DESC' : 'visitors DESC';
  // Every set's first `rows` groups shown (the time set's all: its buckets are bounded), the groups under k
  // of each set collapsed into one row counting them: statsQuery.ts pagedResult, without window functions.
  // At least 1, so that a collapsed row is never cut (`LIMIT 0 BY` returns none); splitStatsBatch cuts the pages.
  params.rows = Math.max(1, ...dims.map((d, j) => (d === 'time' ? 0 : (params[`hi${j}`] as number))));
  const limitBy = ['gset', 'shown', ...(dims[0] === 'time' ? ['if(gset = 0, d0, NULL)'] : [])];
  const sql = `WITH
${source.tables}
grouped AS (
  SELECT ${[...aliases, `${gset} AS gset`, `gset = ${n} AS is_total`, ...metrics.map((m) => `${source.metric(m)} AS ${m}`)].join(', ')}
  FROM ${source.from}
  GROUP BY GROUPING SETS (${aliases.map((a) => `(${a})`).join(', ')}${totalsSet})
  ${source.having}
)
SELECT gset, is_total, g.visitors >= {k:UInt32} AS shown, ${[...aliases.map((a) => `if(shown, g.${a}, NULL) AS ${a}`), ...metrics.map((m) => `any(g.${m}) AS ${m}`)].join(', ')}, count() AS n
FROM grouped AS g
GROUP BY ${['gset', 'is_total', 'shown', ...aliases].join(', ')}
ORDER BY ${['gset', 'shown DESC', byVisitors, ...aliases.map((a) => `${a} ASC`)].join(', ')}
LIMIT {rows:UInt32} BY ${limitBy.join(', ')}${lists ? `\nSETTINGS ${VISITOR_LISTS_SETTING}` : ''}`;
  return { sql, params, dims, ...(lists ? { visitorLists: true as const } : {}) };
}

/**
 * The batch's answer as its window tail gave it: each row's rank `rn` in its (set, shown or not) in the
 * order the query returns them, and on every row `suppressed{j}`, set j's count of groups under k (the
 * `n` of its collapsed row).
 */
export function rankStatsBatch(out: readonly ResultRow[], batch: CompiledBatch): ResultRow[] {
  const counts = new Map<string, number>();
  const suppressed: ResultRow = Object.fromEntries(batch.dims.map((_, j) => [`suppressed${j}`, 0]));
  for (const r of out) if (Number(r.is_total) === 0 && Number(r.shown) === 0) suppressed[`suppressed${Number(r.gset)}`] = Number(r.n);
  return out.map((r) => {
    const key = `${r.gset}:${r.shown}`;
    const rn = (counts.get(key) ?? 0) + 1;
    counts.set(key, rn);
    return { ...r, ...suppressed, rn };
  });
}

/**
 * One call's rows out of its batch's answer, as its own query would have returned them: its set's page
 * and the totals, `suppressed` its set's count, dimension column `d{j}`; read by toStatsValue.
 */
export function splitStatsBatch(out: readonly ResultRow[], batch: CompiledBatch, q: StatsQuery): { rows: ResultRow[]; compiled: Pick<CompiledStats, 'columns' | 'metrics'> } {
  const dim = q.dimensions[0] as Dimension;
  const j = batch.dims.indexOf(dim);
  const rows = out
    .filter((r) => {
      const set = Number(r.gset);
      if (set === batch.dims.length) return true;
      const rn = Number(r.rn);
      // A group under k comes only to carry its set's suppressed count (rn 1 of its partition).
      if (Number(r.visitors) < q.k) return set === j && rn === 1;
      return set === j && rn > q.offset && rn <= q.offset + q.limit;
    })
    .map((r) => ({ ...r, suppressed: r[`suppressed${j}`] ?? 0 }));
  const metrics = [...new Set<Metric>(['visitors', ...q.metrics])];
  return { rows, compiled: { columns: new Map([[dim, `d${j}`]]), metrics } };
}
