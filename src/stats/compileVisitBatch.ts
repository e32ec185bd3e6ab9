// Several `stats` calls over the same visits → one query, each call's answer split back out. Pure.
//
// The dashboard's overview asks a dozen breakdowns of one range and filters, each of one visit attribute
// (docs/visits.md shape 2, or 3 with a page or event filter): alone, each scans the same `visits` rows.
// Batched, the rows are read once and grouped by `GROUPING SETS ((d0), (d1), …, ())`; `gset` tells
// which set a row belongs to, and k-anonymity, its count, order and paging are taken per set, exactly as
// compileVisitStats.ts takes them for one call (the `()` set is the totals every call shares).
// Only calls with one non-time dimension and the default order are batched: their order is the same
// (visitors DESC, then the dimension), so one window numbers every set.
import { statsShape } from './compileStats.ts';
import { visitBaseSql, visitDimensionSql } from './compileVisitStats.ts';
import { VISIT_METRIC_SQL, type Dimension, type Metric } from './statsCatalog.ts';
import { rangeBound, type CompiledStats, type StatsQuery } from './statsQuery.ts';
import type { ResultRow } from './statsResult.ts';

/** A batched call's page: at most this many rows, so a batch stays far below the result row limit. */
export const BATCH_MAX_LIMIT = 1000;
/** At most this many grouping sets (dimensions) in one batch. */
export const BATCH_MAX_SETS = 16;

/** Whether the call may join a batch; calls that may not run alone. */
export function isBatchable(q: StatsQuery): boolean {
  const shape = statsShape(q);
  return (shape === 'visits' || shape === 'visitsOfHits') && q.dimensions.length === 1 && q.dimensions[0] !== 'time' && q.order.length === 0 && q.limit <= BATCH_MAX_LIMIT;
}

/** Calls with equal keys read the same `visits` rows: same site, zone, range, k, filters (and interval, for a time filter). */
export function batchKey(q: StatsQuery): string {
  return JSON.stringify([q.site, q.timezone, q.range.from, q.range.to, q.k, q.interval, q.filters]);
}

/**
 * Batchable calls → groups, each one query: same key, at most BATCH_MAX_SETS dimensions, and the calls of
 * one dimension (one set, numbered once) together only while the rows they page span at most BATCH_MAX_LIMIT.
 */
export function groupBatches<T extends { q: StatsQuery }>(calls: readonly T[]): T[][] {
  const groups: Array<{ key: string; calls: T[]; spans: Map<Dimension, { lo: number; hi: number }> }> = [];
  for (const c of calls) {
    const key = batchKey(c.q);
    const dim = c.q.dimensions[0] as Dimension;
    const mine = { lo: c.q.offset, hi: c.q.offset + c.q.limit };
    const merged = (g: (typeof groups)[number]) => {
      const s = g.spans.get(dim);
      if (s === undefined) return g.spans.size < BATCH_MAX_SETS ? mine : undefined;
      const span = { lo: Math.min(s.lo, mine.lo), hi: Math.max(s.hi, mine.hi) };
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
}

/** One query for calls grouped by groupBatches (same key); a set's rows span its calls' pages. */
export function compileVisitBatch(qs: readonly StatsQuery[]): CompiledBatch {
  const q = qs[0];
  if (q === undefined) throw new Error('an empty batch');
  const dims = [...new Set(qs.map((c) => c.dimensions[0] as Dimension))];
  const params: Record<string, unknown> = { site: q.site, tz: q.timezone, k: q.k };
  const from = rangeBound('from', q.range.from, params);
  const to = rangeBound('to', q.range.to, params);
  const aliases = dims.map((_, j) => `d${j}`);
  const dimSelect = dims.map((d, j) => `${visitDimensionSql(d, q.interval)} AS ${aliases[j]}`);
  const metrics = [...new Set<Metric>(['visitors', ...qs.flatMap((c) => c.metrics)])];
  const gset = `multiIf(${aliases.map((a, j) => `grouping(${a}) = 0, ${j}`).join(', ')}, ${dims.length})`;
  const pages = dims.map((d, j) => {
    const mine = qs.filter((c) => c.dimensions[0] === d);
    params[`lo${j}`] = Math.min(...mine.map((c) => c.offset));
    params[`hi${j}`] = Math.max(...mine.map((c) => c.offset + c.limit));
    return `gset = ${j}, rn > {lo${j}:UInt32} AND rn <= {hi${j}:UInt32}`;
  });
  const sql = `WITH
${visitBaseSql(q, dimSelect, params, from, to)}
grouped AS (
  SELECT ${[...aliases, `${gset} AS gset`, `gset = ${dims.length} AS is_total`, ...metrics.map((m) => `${VISIT_METRIC_SQL[m]} AS ${m}`)].join(', ')}
  FROM base
  GROUP BY GROUPING SETS (${aliases.map((a) => `(${a})`).join(', ')}, ())
  HAVING sum(sign) > 0
)
SELECT * FROM (
  SELECT *,
    ${aliases.map((_, j) => `countIf(gset = ${j} AND visitors < {k:UInt32}) OVER () AS suppressed${j}`).join(',\n    ')},
    row_number() OVER (PARTITION BY gset, visitors >= {k:UInt32} ORDER BY visitors DESC, ${aliases.map((a) => `${a} ASC`).join(', ')}) AS rn
  FROM grouped
)
WHERE is_total OR (visitors >= {k:UInt32} AND multiIf(${pages.join(', ')}, 0))
ORDER BY gset, rn`;
  return { sql, params, dims };
}

/**
 * One call's rows out of its batch's answer, as its own query would have returned them: its set's page
 * and the totals, `suppressed` its set's count, dimension column `d{j}`; read by toStatsValue.
 */
export function splitVisitBatch(out: readonly ResultRow[], batch: CompiledBatch, q: StatsQuery): { rows: ResultRow[]; compiled: Pick<CompiledStats, 'columns' | 'metrics'> } {
  const dim = q.dimensions[0] as Dimension;
  const j = batch.dims.indexOf(dim);
  const rows = out
    .filter((r) => {
      const set = Number(r.gset);
      if (set === batch.dims.length) return true;
      const rn = Number(r.rn);
      return set === j && rn > q.offset && rn <= q.offset + q.limit;
    })
    .map((r) => ({ ...r, suppressed: r[`suppressed${j}`] ?? 0 }));
  const metrics = [...new Set<Metric>(['visitors', ...q.metrics])];
  return { rows, compiled: { columns: new Map([[dim, `d${j}`]]), metrics } };
}
