// One `stats` call → one parameterised ClickHouse query, whatever the selection. Pure.
//
// docs/visits.md names the three shapes a query takes, chosen here by what it asks for:
// 1. hits — no visit metric and no entry/exit page anywhere: the `events` table (compileHitStats.ts);
// 2. visits — a visit metric or entry/exit page, every other dimension and filter a visit attribute (or
//    `time`, by visit start): the `visits` table alone (compileVisitStats.ts);
// 3. visits of matching hits — as 2, with a `page` or `eventName` filter: those visits with such a hit.
// A visit metric or entry/exit page with `page` or `eventName` as a DIMENSION keeps the window functions
// over the hits (compileHitStats.ts with visits): slow, rare, and never asked by the dashboard.
import { compileHitStats, type HitSqlOptions } from './compileHitStats.ts';
import { compileVisitStats, type VisitSqlOptions } from './compileVisitStats.ts';
import { HIT_DIMENSIONS, type Dimension, type Metric } from './statsCatalog.ts';
import type { CompiledStats, StatsQuery } from './statsQuery.ts';

export type { VisitSqlOptions } from './compileVisitStats.ts';
export type { HitSqlOptions } from './compileHitStats.ts';

/** What the caller knows that changes the SQL, not the answer (the compiler is pure). */
export type StatsSqlOptions = VisitSqlOptions & HitSqlOptions;
export { FILTER_OPS, VISIT_GAP_SECONDS, type CompiledStats, type FilterOp, type StatsFilter, type StatsOrder, type StatsQuery } from './statsQuery.ts';

const VISIT_METRICS: ReadonlySet<Metric> = new Set(['visits', 'viewsPerVisit', 'bounceRate', 'visitDuration']);
const VISIT_DIMENSIONS: ReadonlySet<Dimension> = new Set(['entryPage', 'exitPage']);

/** Whether the query needs visits; visitors, pageviews and events do not. */
export function needsVisits(q: Pick<StatsQuery, 'dimensions' | 'metrics' | 'filters' | 'order'>): boolean {
  return (
    q.metrics.some((m) => VISIT_METRICS.has(m)) ||
    q.order.some((o) => VISIT_METRICS.has(o.field as Metric)) ||
    q.dimensions.some((d) => VISIT_DIMENSIONS.has(d)) ||
    q.filters.some((f) => VISIT_DIMENSIONS.has(f.dimension))
  );
}

export type StatsShape = 'hits' | 'visits' | 'visitsOfHits' | 'hitsWithVisitWindows';

const isHitDimension = (d: Dimension) => d !== 'time' && HIT_DIMENSIONS.has(d);

/** Which of docs/visits.md's shapes answers the query. */
export function statsShape(q: Pick<StatsQuery, 'dimensions' | 'metrics' | 'filters' | 'order'>): StatsShape {
  if (!needsVisits(q)) return 'hits';
  if (q.dimensions.some(isHitDimension)) return 'hitsWithVisitWindows';
  return q.filters.some((f) => isHitDimension(f.dimension)) ? 'visitsOfHits' : 'visits';
}

export function compileStats(q: StatsQuery, options: StatsSqlOptions = {}): CompiledStats {
  const shape = statsShape(q);
  if (shape === 'hits' || shape === 'hitsWithVisitWindows') return compileHitStats(q, shape === 'hitsWithVisitWindows', options);
  return compileVisitStats(q, options);
}
