// The distinct (path, event name) pairs of a visit's hits, kept on its row (schema/clickhouse/
// 0007_visit_pages.sql, docs/visits.md): the statistics test a `page` or `eventName` filter on the visit's
// row instead of the range's hits. Pure.
//
// A visit keeps at most VISIT_PAIRS_MAX pairs, so a visitor's state stays bounded (paths are at most 1 024
// characters, names 100): past it the row says so (`hit_pairs` 2) and drops its arrays, and the statistics
// test that visit against its hits, as before the pairs. Rows from before the pairs (`hit_pairs` 0, or a
// state stored by an older collector, without the fields) stay unknown whatever joins them.

/** How many distinct (path, name) pairs a visit keeps before it falls back to its hits. */
export const VISIT_PAIRS_MAX = 64;

/** 0: not known (written before the pairs); 1: every hit's pair is in the arrays; 2: more than the cap. */
export type HitPairsState = 0 | 1 | 2;

export interface VisitPairs {
  hit_paths: readonly string[];
  hit_names: readonly string[];
  hit_pairs: HitPairsState;
}

const EMPTY: readonly string[] = Object.freeze([]);

/** The pairs of two visits' hits as one (fresh arrays: rows are copied, never changed in place). */
export function unionPairs(a: Partial<VisitPairs>, b: Partial<VisitPairs>): VisitPairs {
  // NOTE: `?? 0`: a visit state written by a collector from before the pairs has none of these fields.
  const sa = a.hit_pairs ?? 0;
  const sb = b.hit_pairs ?? 0;
  if (sa === 0 || sb === 0) return { hit_paths: EMPTY, hit_names: EMPTY, hit_pairs: 0 };
  if (sa === 2 || sb === 2) return { hit_paths: EMPTY, hit_names: EMPTY, hit_pairs: 2 };
  const paths = [...(a.hit_paths ?? EMPTY)];
  const names = [...(a.hit_names ?? EMPTY)];
  const bp = b.hit_paths ?? EMPTY;
  const bn = b.hit_names ?? EMPTY;
  for (let i = 0; i < bp.length; i++) {
    const p = bp[i]!;
    const n = bn[i] ?? '';
    let seen = false;
    for (let j = 0; j < paths.length && !seen; j++) seen = paths[j] === p && names[j] === n;
    if (seen) continue;
    if (paths.length === VISIT_PAIRS_MAX) return { hit_paths: EMPTY, hit_names: EMPTY, hit_pairs: 2 };
    paths.push(p);
    names.push(n);
  }
  return { hit_paths: paths, hit_names: names, hit_pairs: 1 };
}
