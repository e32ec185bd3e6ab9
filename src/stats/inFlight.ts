// Single flight: a statistics answer being computed in this process is computed once, however many
// requests ask for it meanwhile (two dashboards opened at once, the overview's prefetch at page load
// and the page's own request, src/dashboard/overviewPrefetch.ts). Each later asker joins the first one's
// computation; the entry goes once it settles, so the map holds only computations under way.
// NOTE: keyed by the statistics cache's key (statsCache.ts), which holds the site, the data's watermarks
// and a digest of the compiled SQL and its parameters: only the very same query over the same data
// joins, and each asker has passed its own access checks before it looks (the same rule as a cache hit).

export interface InFlight<T> {
  /**
   * The answer under way for `key`, joined, or `compute()` started and shared. `joined` says which:
   * a joiner did not compute. Every asker sees the same value or the same error.
   */
  once(key: string, compute: () => Promise<T>): { joined: boolean; answer: Promise<T> };
  /** Computations under way (for tests and metrics). */
  readonly size: number;
}

export function createInFlight<T>(): InFlight<T> {
  const running = new Map<string, Promise<T>>();
  return {
    once(key, compute) {
      const known = running.get(key);
      if (known !== undefined) return { joined: true, answer: known };
      let answer: Promise<T>;
      try {
        answer = compute();
      } catch (err) {
        answer = Promise.reject(err);
      }
      running.set(key, answer);
      // Removed when settled either way: a failure is not kept (the next asker tries again).
      const done = () => {
        if (running.get(key) === answer) running.delete(key);
      };
      answer.then(done, done);
      return { joined: false, answer };
    },
    get size() {
      return running.size;
    },
  };
}
