// The visits tests' reference (docs/visits.md): visits by window functions over the stored hits, written
// here and not taken from the code under test, and the same facts as the `visits` table holds them.

const VISITOR_KEY = 'if(pid != 0, pid, cityHash64(toDate(ts), visitor_hash))';

/** Each fact of a visit as the reference computes it from its hits (`n` numbers the visitor's visits). */
const REFERENCE_COLUMNS = {
  start: 'min(ts)',
  end: 'max(ts)',
  hits: 'toUInt32(count())',
  pageviews: "toUInt32(countIf(type = 'pageview'))",
  events: "toUInt32(countIf(type = 'event'))",
  entry_page: "argMinIf(path, ts, type = 'pageview')",
  entry_ts: "if(pageviews > 0, minIf(ts, type = 'pageview'), start)",
  exit_page: "argMaxIf(path, ts, type = 'pageview')",
  exit_ts: "if(pageviews > 0, maxIf(ts, type = 'pageview'), start)",
  referrer_source: 'argMin(referrer_source, ts)',
  browser: 'argMin(browser, ts)',
  retention_days: 'argMin(retention_days, ts)',
} as const;

export type VisitFact = keyof typeof REFERENCE_COLUMNS;

/** The site's hits with `vkey` and `n`, their visit's number by the rule (a gap over 1 800 s starts one). */
const NUMBERED_HITS = `
WITH marked AS (
  SELECT *, ${VISITOR_KEY} AS vkey,
    if(dateDiff('second', lagInFrame(ts, 1, toDateTime64(0, 3, 'UTC')) OVER (PARTITION BY vkey ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), ts) > 1800, 1, 0) AS new_visit
  FROM events WHERE site = {site:String} AND is_bot = 0
), numbered AS (
  SELECT *, sum(new_visit) OVER (PARTITION BY vkey ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n FROM marked
)
`;

/** The site's visits by the rule (a gap over 1 800 s starts one), with `vkey`, the facts asked and `hit_ids`. */
export function referenceVisitsSql(facts: readonly VisitFact[]): string {
  return `${NUMBERED_HITS}SELECT toString(vkey) AS vkey, ${facts.map((f) => `${REFERENCE_COLUMNS[f]} AS ${f}`).join(', ')}, arraySort(groupArray(event_id)) AS hit_ids
FROM numbered GROUP BY vkey, n ORDER BY vkey, start`;
}

/** The same facts of the site's live visits, as the collector formed them. */
export function formedVisitsSql(facts: readonly VisitFact[]): string {
  return `SELECT toString(if(pid != 0, pid, cityHash64(toDate(start), visitor_hash))) AS vkey, ${facts.join(', ')} FROM visits FINAL WHERE site = {site:String} ORDER BY vkey, start`;
}

/** The site's live visits' `hit_pairs` and their pairs as sorted 'path name' text, in the reference's order. */
export const FORMED_PAIRS_SQL = `SELECT hit_pairs, arraySort(arrayMap((p, n) -> concat(p, ' ', n), hit_paths, hit_names)) AS pairs FROM visits FINAL WHERE site = {site:String}
       ORDER BY toString(if(pid != 0, pid, cityHash64(toDate(start), visitor_hash))), start`;

/**
 * Each visit by the rule, with the facts a visit metric needs and `matching`, its hits in [{from:Int64},
 * {to:Int64}) (ms) that pass `hitCondition` (fixed test text over the hit's columns), and `pairs`, the
 * sorted distinct (path, name) pairs of its hits as 'path name' text.
 */
export function referenceMatchingVisitsSql(hitCondition: string): string {
  return `${NUMBERED_HITS}SELECT toString(vkey) AS vkey, toUnixTimestamp64Milli(min(ts)) AS start_ms, dateDiff('second', min(ts), max(ts)) AS duration,
  toUInt32(countIf(type = 'pageview')) AS pageviews, toUInt32(countIf(type = 'event')) AS events, argMin(browser, ts) AS browser,
  toUInt32(countIf(ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC') AND ${hitCondition})) AS matching,
  arraySort(groupUniqArray(concat(path, ' ', name))) AS pairs
FROM numbered GROUP BY vkey, n ORDER BY vkey, start_ms`;
}
