// When a statistics query counts its visitors from lists (statsCatalog.ts VISITORS_BY_LISTS_SQL) and when
// it falls back to `uniq` states: the one rule, for a call alone and for a batch (statsBatch.ts).
import { isMemoryLimitError } from '../store/storeError.ts';

/** The sites whose queries outgrew the lists' bound lately. */
export interface VisitorListsMemo {
  allowed(site: string): boolean;
  refused(site: string): void;
}

/**
 * A site whose query was stopped at the lists' memory bound is asked with `uniq` states at once for the
 * next `ttlMs`: its ranges hold too many rows, and each stopped attempt would cost the reading of up to
 * the bound's worth of rows again (seconds for a site of a hundred million hits).
 */
export function createVisitorListsMemo(ttlMs = 10 * 60_000, now: () => number = Date.now): VisitorListsMemo {
  const until = new Map<string, number>();
  return {
    allowed(site) {
      const t = until.get(site);
      if (t === undefined) return true;
      if (t > now()) return false;
      until.delete(site);
      return true;
    },
    refused: (site) => void until.set(site, now() + ttlMs),
  };
}

/**
 * Runs what `compile(lists)` compiles: with lists unless the site is known too big for them; when the
 * engine stops a list query at its memory bound (MEMORY_LIMIT_EXCEEDED), the site is noted and the query
 * compiled without lists is run instead, the same answer at `uniq`'s cost.
 */
export async function withVisitorLists<C extends { readonly visitorLists?: true }, T>(
  memo: VisitorListsMemo,
  site: string,
  compile: (lists: boolean) => C,
  run: (compiled: C) => Promise<T>,
): Promise<T> {
  const first = compile(memo.allowed(site));
  try {
    return await run(first);
  } catch (e) {
    if (first.visitorLists !== true || !isMemoryLimitError(e)) throw e;
    memo.refused(site);
    return run(compile(false));
  }
}
