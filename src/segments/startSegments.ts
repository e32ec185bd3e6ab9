// Assembles segments for a role: definitions, the index (Redis or memory), the refresh lock, the
// materialiser and its schedule (worker), the look-ups, the GraphQL resolvers and the fast path (api).
import type { RestAccess } from '../access/restAccess.ts';
import type { Cache } from '../cache/cache.ts';
import type { ConsentReader } from '../consent/consentReader.ts';
import { isRedisCache } from '../cache/redisCache.ts';
import type { Handler } from '../http/httpServer.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Pseudonymiser } from '../privacy/pseudonymiser.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import type { EventStore } from '../store/eventStore.ts';
import { createMemorySegmentIndex, type SegmentIndex } from './segmentIndex.ts';
import { createIndexRepair } from './segmentIndexRepair.ts';
import { createSegmentLookup } from './segmentLookup.ts';
import { createMaterialiser, type Materialiser } from './segmentMaterialiser.ts';
import { createSegmentReads } from './segmentReads.ts';
import { createRefreshLock } from './segmentRefreshLock.ts';
import { createSegmentResolvers } from './segmentResolvers.ts';
import { createSegmentsRoute } from './segmentsRoute.ts';
import { createSegmentStore } from './segmentStore.ts';
import { createRedisSegmentIndex } from './redisSegmentIndex.ts';

export interface SegmentsDeps {
  store: EventStore;
  cache: Cache;
  /** Current consent, shared with the collector's consent store (one batch of ClickHouse reads per site). */
  consents: ConsentReader;
  sites: SiteStore;
  pseudonymiser: Pseudonymiser;
  log: Logger;
  metrics: Metrics;
}

export interface SegmentsOptions {
  /** How often the worker looks for due segments. Default 5 000 ms. */
  tickMs?: number;
}

export interface Segments {
  readonly index: SegmentIndex;
  readonly materialiser: Materialiser;
  resolvers(): ReturnType<typeof createSegmentResolvers>;
  /** The fast-path routes, audited through `tally`. */
  routes(rest: RestAccess): ReadonlyMap<string, Handler>;
  /** Runs the refresh schedule in this process (worker role). */
  startWorker(): void;
  close(): Promise<void>;
}

export function createSegments(deps: SegmentsDeps, options: SegmentsOptions = {}): Segments {
  const { store, cache, consents, sites, pseudonymiser, log, metrics } = deps;
  const segments = createSegmentStore(store);
  const index = isRedisCache(cache) ? createRedisSegmentIndex(cache) : createMemorySegmentIndex(cache);
  const materialiser = createMaterialiser({ store, segments, index, sites, lock: createRefreshLock(cache), log, metrics });
  const repairs = createIndexRepair(materialiser, sites, log);
  const lookup = createSegmentLookup({ index, consents, store, pseudonymiser, log, metrics, onIncomplete: repairs.request });
  const reads = createSegmentReads(store, segments, index, cache, pseudonymiser);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  return {
    index,
    materialiser,
    resolvers: () => createSegmentResolvers({ segments, sites, materialiser, lookup, reads }),
    routes(rest) {
      const route = createSegmentsRoute({ rest, sites, lookup });
      return new Map<string, Handler>([
        ['GET /v1/segments', route.get],
        ['POST /v1/segments', route.post],
      ]);
    },
    startWorker() {
      const tick = () => {
        running ??= materialiser
          .tick()
          .catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'segment schedule pass failed; retrying'))
          .finally(() => (running = undefined));
      };
      timer = setInterval(tick, options.tickMs ?? 5_000);
      timer.unref();
      tick();
    },
    async close() {
      clearInterval(timer);
      await Promise.all([running, repairs.running()]);
    },
  };
}
