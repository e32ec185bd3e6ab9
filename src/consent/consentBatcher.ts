// Look-ups whose cookies miss the consent mirror (a cold or rebuilt cache) read consent from ClickHouse.
// At thousands of look-ups a second, one query each would queue for seconds behind each other; instead
// the pids wanted meanwhile are read together: at most one read per site in flight, and every pid
// asked for while it runs goes into the next one.

/** Stored flags by pid; pids with no stored consent are absent. */
export type ReadConsent = (site: string, pids: readonly string[]) => Promise<ReadonlyMap<string, number>>;

interface Batch {
  readonly pids: Set<string>;
  readonly result: Promise<ReadonlyMap<string, number>>;
}

export function createConsentBatcher(read: ReadConsent): ReadConsent {
  const collecting = new Map<string, Batch>();
  const inFlight = new Map<string, Promise<unknown>>();

  const open = (site: string): Batch => {
    const pids = new Set<string>();
    // Starts once the read in flight (if any) is done, after this turn's callers have joined.
    const before = inFlight.get(site) ?? Promise.resolve();
    const result = before
      .catch(() => {})
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        collecting.delete(site);
        const run = read(site, [...pids]);
        inFlight.set(site, run);
        void run.catch(() => {}).finally(() => {
          if (inFlight.get(site) === run) inFlight.delete(site);
        });
        return run;
      });
    return { pids, result };
  };

  return (site, pids) => {
    let batch = collecting.get(site);
    if (batch === undefined) collecting.set(site, (batch = open(site)));
    for (const pid of pids) batch.pids.add(pid);
    return batch.result;
  };
}
