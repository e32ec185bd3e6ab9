// Repairs the segment index the moment a look-up finds it incomplete (Redis restarted empty, flushed or
// evicted a key; a fresh process; a new site), rather than at the next worker pass: the site looked up
// first, then every other site that is not whole. One run at a time per process; across instances the
// refresh lock lets one repair at a time, and a site another instance made whole meanwhile is skipped.
import type { Logger } from '../observability/logger.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import type { Materialiser } from './segmentMaterialiser.ts';

export interface IndexRepair {
  /** Asks for the site's index to be repaired now; returns at once (look-ups meanwhile answer from ClickHouse). */
  request(site: string): void;
  /** The run in progress, if any (tests and shutdown wait on it). */
  running(): Promise<void> | undefined;
}

/** After a failed run (ClickHouse down too, the lock held long), requests wait this long before the next. */
const RETRY_MS = 1_000;

export function createIndexRepair(materialiser: Pick<Materialiser, 'repair'>, sites: Pick<SiteStore, 'list'>, log: Logger): IndexRepair {
  const requested = new Set<string>();
  let run: Promise<void> | undefined;
  let retryAt = 0;

  const drain = async () => {
    for (const site of requested) {
      requested.delete(site);
      await materialiser.repair(site, 10_000);
    }
  };
  const repairAll = async () => {
    await drain();
    // A loss seen on one site is most likely Redis's whole keyspace: the others are rebuilt in the same run.
    for (const site of await sites.list()) {
      await materialiser.repair(site.id, 10_000);
      await drain();
    }
  };

  return {
    request(site) {
      requested.add(site);
      if (run !== undefined || Date.now() < retryAt) return;
      log.warn({ site }, 'segment index incomplete; answering from ClickHouse and rebuilding it now');
      run = repairAll()
        .catch((err: unknown) => {
          retryAt = Date.now() + RETRY_MS;
          log.warn({ err: err instanceof Error ? err.message : String(err) }, 'segment index repair failed; look-ups stay on ClickHouse');
        })
        .finally(() => (run = undefined));
    },
    running: () => run,
  };
}
