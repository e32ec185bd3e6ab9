// Shape 3 (docs/visits.md: visit metrics with a `page` or `eventName` filter) without its fallback when
// nothing needs it: the one place that decides, for a single query and for a batch alike (statsBatch.ts).
//
// The compiled query tests visit rows with complete pairs that ended before the range's end on their
// pairs, and every other row against its hits (the range's matching hits, their visit ids through
// `visit_aliases` FINAL). That second branch costs about 0.3 × B1 of CPU even when no row needs it, which
// is the usual case: so a cheap question first (uncertainVisitsSql: the minmax index on (hit_pairs, end)
// lets it skip every granule of complete visits), and when it finds no such row, the query without the
// branch (`uncertainVisits: false`).
//
// NOTE: the question and the query are two reads, and rows may be written in between. Answers stay
// those of the query with the branch, whatever the timing:
// - A row that is uncertain at the query's read (one written since the question: a visit passing the
//   pairs' cap, hit_pairs 2; one continued from a collector state from before the pairs, 0; one extended
//   to or past the range's end, which needs a range ending in the past, or a hit stamped at or after
//   `to`: with a range that includes today an open visit's new hits keep `end < to`, so there only the
//   first two) is not dropped: the query without the branch evaluates, on every row that passes the
//   range and visit filters, `if(certain, pairs match, throwIf(NOT certain))`, one condition that no other
//   condition nor index can skip for such a row. The query fails with UNCERTAIN_VISIT and is asked again
//   with the branch: the answer is that query's at its own read. A row outside the range in a granule read
//   may raise it too: that costs the repeat, never the answer.
// - A row that stopped being uncertain (the backfill rewrote it): the query with the branch, right for
//   any rows. Uncertainty only grows otherwise (a visit's end only moves later, hit_pairs 2 and 0 stay).
// - The cache key is the default compilation's SQL (statsResolvers.ts), which the option does not touch:
//   it changes the SQL text run, never the answer.
import { statsShape } from './compileStats.ts';
import { UNCERTAIN_VISIT, uncertainVisitsSql, type VisitSqlOptions } from './compileVisitStats.ts';
import { StoreError } from '../store/storeError.ts';
import type { StatsQuery } from './statsQuery.ts';
import type { ResultRow } from './statsResult.ts';

/** FUNCTION_THROW_IF_VALUE_IS_NON_ZERO: the engine's code for a `throwIf` that fired. */
const THROW_IF_CODE = '395';

/**
 * Whether the query failed because a visit without complete pairs was met after all: our own text in the
 * engine's message, with the engine's code for a fired `throwIf` where it gives one (a server does; the
 * embedded engine's messages carry no code). A failure mistaken for it (one quoting that text, say in a
 * filter's value) costs a repeat with the fallback, the query that is right for any rows, never an answer.
 */
export const isUncertainVisitError = (e: unknown): boolean =>
  e instanceof StoreError && (e.code === undefined || e.code === THROW_IF_CODE) && e.message.includes(UNCERTAIN_VISIT);

type RunSql = (sql: string, params: Record<string, unknown>) => Promise<ResultRow[]>;

/**
 * `run` with the options that answer `q` (and any call of its batch: same site, range and filters) the
 * cheapest way.
 */
export type VisitPairsDecision = <T>(q: StatsQuery, run: (options: VisitSqlOptions) => Promise<T>) => Promise<T>;

/**
 * The question costs a query's fixed cost (about 0.1 × B1 of CPU for 0 granules read), so its answer is
 * kept a while per question (same site, range and visit filters: the dashboard's two requests, a reload):
 * a kept answer can only cost time, never change one (the NOTE above: a stale "none" meets the throw, and
 * is then replaced; a stale "some" runs the query that is right for any rows).
 */
export function createVisitPairsDecision(runSql: RunSql, opts: { ttlMs?: number; max?: number; now?: () => number } = {}): VisitPairsDecision {
  const ttl = opts.ttlMs ?? 60_000;
  const max = opts.max ?? 1_000;
  const now = opts.now ?? Date.now;
  const known = new Map<string, { some: boolean; until: number }>();
  const remember = (key: string, some: boolean) => {
    known.delete(key);
    // A Map iterates in insertion order: the oldest question goes first.
    if (known.size >= max) known.delete(known.keys().next().value!);
    known.set(key, { some, until: now() + ttl });
  };
  return async (q, run) => {
    if (statsShape(q) !== 'visitsOfHits') return run({});
    const check = uncertainVisitsSql(q);
    const key = JSON.stringify([check.sql, check.params]);
    let kept = known.get(key);
    if (kept === undefined || kept.until <= now()) {
      kept = { some: (await runSql(check.sql, check.params)).length > 0, until: 0 };
      remember(key, kept.some);
    }
    if (kept.some) return run({});
    try {
      return await run({ uncertainVisits: false });
    } catch (e) {
      if (!isUncertainVisitError(e)) throw e;
      remember(key, true);
      return run({});
    }
  };
}
