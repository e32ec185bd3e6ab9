// The visit rule of docs/visits.md as ClickHouse SQL, for the two places that still derive visits from
// raw hits by window functions: the upgrade's backfill (backfillVisits.ts) and the statistics' one
// fallback, a visit metric with a page or event name dimension (src/stats/compileHitStats.ts). The
// collector applies the same rule hit by hit (placeHit.ts); VISIT_GAP_SECONDS is the one gap of all three.
// Pure: fixed text and a code constant, no request value.
import { VISIT_GAP_SECONDS } from './visitRow.ts';

/** A visitor of a hit: the cookie's pid, or without one the day's cookieless hash (never linked across days). */
export const VISITOR_KEY_SQL = 'if(pid != 0, pid, cityHash64(toDate(ts), visitor_hash))';
/** The same visitor read from a `visits` row: a cookieless visit never crosses midnight UTC, so its start's day is its hits'. */
export const VISIT_VISITOR_KEY_SQL = 'if(pid != 0, pid, cityHash64(toDate(start), visitor_hash))';

/**
 * Two common table expressions numbering the visits of `source`'s rows (a table or CTE with a `ts`
 * column and the columns of `partitionBy`, one visitor per partition): `marked` flags each row that
 * starts a visit (`new_visit`: the visitor's first row, or more than VISIT_GAP_SECONDS after the one
 * before), then `numbered` adds `column`, the running count of those flags: rows of one visit share it.
 */
export function visitNumberingSql(p: { source: string; partitionBy: string; numbered: string; column: string }): string {
  const byVisitor = `PARTITION BY ${p.partitionBy} ORDER BY ts`;
  return `marked AS (
  SELECT *, if(dateDiff('second', lagInFrame(ts, 1, toDateTime64(0, 3, 'UTC')) OVER (${byVisitor} ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), ts) > ${VISIT_GAP_SECONDS}, 1, 0) AS new_visit
  FROM ${p.source}
),
${p.numbered} AS (
  SELECT *, sum(new_visit) OVER (${byVisitor} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ${p.column}
  FROM marked
)`;
}
