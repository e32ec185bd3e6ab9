// The compiled query's rows → the GraphQL Stats value, with k-anonymity applied to the totals. Pure.
import type { CompiledStats } from './compileStats.ts';
import type { Dimension, Metric } from './statsCatalog.ts';

export type ResultRow = Record<string, string | number | null>;
export type StatsRowValue = Partial<Record<Dimension | Metric, string | number | null>>;

export interface StatsValue {
  rows: StatsRowValue[];
  totals: StatsRowValue;
  suppressedRows: number;
}

const nulls = (metrics: readonly Metric[]): StatsRowValue => Object.fromEntries(metrics.map((m) => [m, null]));

/**
 * Rows of the first page's tail (statsQuery.ts pagedResult: the groups under k collapsed into one row,
 * `shown` 0, counting them in `n`) with that count as `suppressed` on every row, as the window tail
 * gives it. Rows of the window tail (no `shown`) are returned as they are.
 */
export function withSuppressed(out: readonly ResultRow[]): readonly ResultRow[] {
  if (out.length === 0 || !('shown' in out[0]!)) return out;
  const collapsed = out.find((r) => Number(r.is_total) === 0 && Number(r.shown) === 0);
  const suppressed = Number(collapsed?.n ?? 0);
  return out.map((r) => ({ ...r, suppressed }));
}

/**
 * The first page's tail of a query by time alone (statsQuery.ts tailInJs), over `grouped`'s rows (the
 * buckets and the totals row): what pagedResult's SQL followed by withSuppressed gives. The totals row,
 * then the buckets of at least k visitors in ascending time (ClickHouse's byte order: the bucket texts are
 * ASCII, so JavaScript's order of code units is the same), the first `limit` of them, and one bucket
 * under k without its time (the query's collapsed row); every row carries `suppressed`, their count.
 */
export function timeTail(grouped: readonly ResultRow[], column: string, k: number, limit: number): ResultRow[] {
  const totals = grouped.filter((r) => Number(r.is_total) !== 0);
  const buckets = grouped.filter((r) => Number(r.is_total) === 0);
  const shown = buckets.filter((r) => Number(r.visitors) >= k);
  const suppressed = buckets.length - shown.length;
  const key = (r: ResultRow) => String(r[column]);
  shown.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  // As the query's collapsed row: one bucket under k, its time cleared, carries the count when no other
  // row does (no totals asked, none shown); toStatsValue never shows it.
  const carrier = buckets.find((r) => Number(r.visitors) < k);
  return [...totals, ...shown.slice(0, limit), ...(carrier === undefined ? [] : [{ ...carrier, [column]: null }])].map((r) => ({ ...r, suppressed }));
}

export function toStatsValue(out: readonly ResultRow[], q: Pick<CompiledStats, 'columns' | 'metrics'>, noDimensions: boolean, k: number): StatsValue {
  const toRow = (r: ResultRow, total: boolean): StatsRowValue => {
    const row: StatsRowValue = {};
    for (const [d, col] of q.columns) row[d] = total ? null : (r[col] ?? null);
    for (const m of q.metrics) row[m] = r[m] === null || r[m] === undefined ? null : Number(r[m]);
    return row;
  };
  const totalRow = out.find((r) => Number(r.is_total) !== 0);
  const suppressedRows = Number(totalRow?.suppressed ?? out[0]?.suppressed ?? 0);
  // A group under k may come only to carry the suppressed count (pagedResult): never shown.
  const rows = out.filter((r) => Number(r.is_total) === 0 && Number(r.visitors) >= k).map((r) => toRow(r, false));
  const totals = totalRow === undefined ? Object.fromEntries(q.metrics.map((m) => [m, 0])) : toRow(totalRow, true);
  // k-anonymity holds for the totals too: a total over a handful of visitors describes them.
  const visitors = Number(totals.visitors ?? 0);
  const totalsHidden = visitors > 0 && visitors < k;
  if (noDimensions) {
    // No dimension under rows: the one group is the whole range.
    return { rows: totalsHidden || visitors === 0 ? [] : [totals], totals: totalsHidden ? nulls(q.metrics) : totals, suppressedRows: totalsHidden ? 1 : 0 };
  }
  return { rows, totals: totalsHidden ? nulls(q.metrics) : totals, suppressedRows };
}
