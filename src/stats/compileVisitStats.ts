// Shapes 2 and 3 of docs/visits.md: visit metrics from the `visits` table, one row per visit version,
// never from the hits. Pure.
//
// The query: the range's cancel rows (`cancelled`, sign -1, not yet merged away with their +1 row) →
// the site's visits STARTING in the range (their `start` bucketed for `time`, in the site's zone), the
// visit-attribute filters on the visit row, and for shape 3 (a `page` or `eventName` filter) only visits
// with a hit in the range passing those hit filters: on the row's (path, name) pairs where they answer
// that, else through the hits' visit ids mapped through `visit_aliases` (a hit keeps the id of a visit
// later merged into another) → metrics as sums weighted by `sign`, per
// dimension group and for the totals (GROUPING SETS), groups with no live visit dropped → the same
// k-anonymity, order and paging tail as the hits query, so statsResult.ts reads both alike.
// Distinct visitors count only `live` rows: a +1 row whose (visit_id, version) has a -1 row in the range
// is a replaced version (perhaps in another group, such as an older exit page) and must not name its visitor.
// Cost (docs/visits.md, 1 M events, CPU): shape 2 about 1 × counting visitors; shape 3 with the pairs
// 1.0–1.65 × when no visit needs its hits (uncertainVisits: false; 1.15–1.9 × before a page's EQ and IN
// tested the paths' stored hashes), 1.5–2.0 × with the fallback there (3.6–4 × when it built the set of
// the range's matching hits).
import { DIMENSION_COLUMNS, HIT_DIMENSIONS, timeExpression, VISIT_METRIC_SQL, VISIT_VISITOR_KEY_SQL, type Dimension, type Interval } from './statsCatalog.ts';
import { filterSql, pagedResult, rangeBound, statsFrame, type CompiledStats, type StatsFilter, type StatsQuery } from './statsQuery.ts';

export function visitDimensionSql(d: Dimension, interval: Interval): string {
  if (d === 'time') return timeExpression(interval, 'start');
  if (HIT_DIMENSIONS.has(d)) throw new Error(`${d} is not a visit attribute`);
  return DIMENSION_COLUMNS[d];
}

export interface VisitSqlOptions {
  /**
   * Whether a visit of the range may lack complete pairs (`NOT (hit_pairs = 1 AND end < to)`), so that
   * shape 3 must test such visits against their hits. Default true (always right). false leaves that
   * branch out; only the caller knows it (uncertainVisitsSql, asked by statsBatch.ts): the compiler is pure.
   */
  readonly uncertainVisits?: boolean;
}

/** The failure of a query compiled with `uncertainVisits: false` that met such a visit after all. */
export const UNCERTAIN_VISIT = 'calypso: a visit of the range lacks complete pairs';

const isHitFilter = (f: StatsFilter) => f.dimension !== 'time' && HIT_DIMENSIONS.has(f.dimension);

export function compileVisitStats(q: StatsQuery, options: VisitSqlOptions = {}): CompiledStats {
  const { params, from, to, columns, metrics, dimSelect, dimAliases, groupBy, isTotal, orderBy } = statsFrame(q, (d) => visitDimensionSql(d, q.interval));
  const sql = `WITH
${visitBaseSql(q, dimSelect, params, from, to, options)}
grouped AS (
  SELECT ${[...dimAliases, `${isTotal} AS is_total`, ...metrics.map((m) => `${VISIT_METRIC_SQL[m]} AS ${m}`)].join(', ')}
  FROM base
  ${groupBy}
  HAVING sum(sign) > 0
)
${pagedResult(orderBy, q, dimAliases, metrics)}`;
  return { sql, params, columns, metrics };
}

/**
 * The common tables up to `base` (the range's live-marked visit rows, filtered, with `dimSelect`), for
 * one query and for a batch of them over the same site, range and filters (compileStatsBatch.ts).
 */
export function visitBaseSql(q: StatsQuery, dimSelect: readonly string[], params: Record<string, unknown>, from: string, to: string, options: VisitSqlOptions = {}): string {
  const { inRange, visitWhere, hitWhere, hitFilters, certain } = visitConditions(q, params, from, to);

  // Shape 3 asks for the visits with a hit in the range that passes every hit filter. A row whose pairs
  // are complete (`hit_pairs` 1) and that ends before the range does (so each of its hits is in the
  // range: it starts in it) answers that from its own (path, name) pairs. The others (rows from before
  // the pairs, visits over the pairs' cap, a visit running past the range's end) are tested against
  // their hits as before, and only the hits from the earliest such visit's start on are read: usually
  // none, so no set of the range's hits is built (docs/visits.md "Visits of matching hits").
  // With `uncertainVisits: false` the caller has found no such row: the hits, their set and the aliases'
  // FINAL read are left out (0.3 × B1 of CPU), and a row that is uncertain after all (it became so since
  // the caller looked) makes the query fail (UNCERTAIN_VISIT) rather than be dropped: statsBatch.ts then
  // asks again with the branch. The throw is inside the `if`, one conjunct, so no other condition nor the
  // (hit_pairs, end) index can skip it for a row that would otherwise be read.
  const uncertain = options.uncertainVisits !== false;
  const matched =
    hitWhere.length === 0 || !uncertain
      ? ''
      : `matched AS (
  SELECT DISTINCT visit_id FROM events
  WHERE site = {site:String} AND ts >= greatest(${from}, (SELECT ifNull(minOrNull(start), ${to}) FROM visits WHERE ${[inRange, `NOT (${certain})`, ...visitWhere].join(' AND ')})) AND ts < ${to} AND is_bot = 0 AND ${hitWhere.join(' AND ')}
),
`;
  const pairs = hitWhere.length === 0 ? '' : pairsMatchSql(hitFilters, params);
  const visitIds =
    hitWhere.length === 0
      ? []
      : !uncertain
        ? [`if(${certain}, ${pairs}, throwIf(NOT (${certain}), '${UNCERTAIN_VISIT}') = 0)`]
        : [
            // The matched hits read once: a merged-away visit's id is taken to the visit it became.
            `((${certain} AND ${pairs}) OR (NOT (${certain}) AND visit_id IN (
    SELECT if(a.alias_of = 0, m.visit_id, a.alias_of) FROM matched AS m
    LEFT JOIN (SELECT visit_id, alias_of FROM visit_aliases FINAL WHERE site = {site:String}) AS a ON m.visit_id = a.visit_id
  )))`,
          ];

  return `${matched}cancelled AS (
  SELECT visit_id, version FROM visits
  WHERE ${inRange} AND sign = -1
),
base AS (
  SELECT ${[...dimSelect, 'sign', 'pageviews AS pv', 'events AS ev', "dateDiff('second', start, end) AS duration", `${VISIT_VISITOR_KEY_SQL} AS vkey`].join(', ')},
    sign = 1 AND (visit_id, version) NOT IN (SELECT visit_id, version FROM cancelled) AS live
  FROM visits
  WHERE ${[inRange, ...visitWhere, ...visitIds].join(' AND ')}
),`;
}

/**
 * Shape 3's question to ask before compiling (statsBatch.ts): one row when a visit row of the range that
 * passes the visit filters lacks complete pairs, none otherwise. Cheap: the minmax index on
 * (hit_pairs, end) skips every granule of complete visits that ended before the range's end.
 */
export function uncertainVisitsSql(q: StatsQuery): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { site: q.site, tz: q.timezone };
  const { inRange, visitWhere, certain } = visitConditions(q, params, rangeBound('from', q.range.from, params), rangeBound('to', q.range.to, params));
  return { sql: `SELECT 1 AS uncertain FROM visits WHERE ${[inRange, ...visitWhere, `NOT (${certain})`].join(' AND ')} LIMIT 1`, params };
}

/** The query's conditions on visit rows, its hit filters, and when a row's pairs answer them (`certain`). */
function visitConditions(q: StatsQuery, params: Record<string, unknown>, from: string, to: string) {
  // Filter numbering follows q.filters, so each keeps its own parameter names whichever table it reads.
  const numbered = q.filters.map((f, i) => ({ f, i }));
  const visitWhere = numbered.filter(({ f }) => !isHitFilter(f)).map(({ f, i }) => filterSql(f, i, visitDimensionSql(f.dimension, q.interval), params));
  const hitFilters = numbered.filter(({ f }) => isHitFilter(f));
  const hitWhere = hitFilters.map(({ f, i }) => filterSql(f, i, DIMENSION_COLUMNS[f.dimension as keyof typeof DIMENSION_COLUMNS], params));
  return { inRange: `site = {site:String} AND start >= ${from} AND start < ${to}`, visitWhere, hitWhere, hitFilters, certain: `hit_pairs = 1 AND end < ${to}` };
}

/**
 * Whether one of the row's (path, name) pairs passes every hit filter: the same test as on one hit, since
 * the pairs are those of the visit's hits. One filter on one of the two uses that array alone; a page's
 * EQ or IN tests the paths' hashes (migration 0009), 8 bytes each instead of the string.
 * NOTE: a visit then counts for a page when one of its paths has that page's 64-bit cityHash64: wrong
 * only if a site has two distinct paths of one hash (the odds and why forging one gains nothing: 0009).
 */
function pairsMatchSql(filters: ReadonlyArray<{ f: StatsFilter; i: number }>, params: Record<string, unknown>): string {
  const onPath = filters.every(({ f }) => f.dimension === 'page');
  const onName = filters.every(({ f }) => f.dimension === 'eventName');
  const variable = (f: StatsFilter) => (f.dimension === 'page' ? 'p' : 'n');
  if (filters.length === 1 && (onPath || onName)) {
    const { f, i } = filters[0]!;
    // The parameters filterSql names for these (f<i>_0, f<i>), the same values.
    if (f.op === 'EQ') {
      params[`f${i}_0`] = f.values[0];
      return onPath ? `has(hit_path_hashes, cityHash64({f${i}_0:String}))` : `has(hit_names, {f${i}_0:String})`;
    }
    if (f.op === 'IN') {
      params[`f${i}`] = [...f.values];
      return onPath ? `hasAny(hit_path_hashes, arrayMap(v -> cityHash64(v), {f${i}:Array(String)}))` : `hasAny(hit_names, {f${i}:Array(String)})`;
    }
  }
  const conditions = filters.map(({ f, i }) => filterSql(f, i, variable(f), params)).join(' AND ');
  if (onPath) return `arrayExists(p -> ${conditions}, hit_paths)`;
  if (onName) return `arrayExists(n -> ${conditions}, hit_names)`;
  return `arrayExists((p, n) -> ${conditions}, hit_paths, hit_names)`;
}
