// Assembles the collector role: spools and their delivery, consent, the HTTP routes.
import type { RestAccess } from '../access/restAccess.ts';
import type { Config } from '../config/config.ts';
import type { ConsentStore } from '../consent/consentStore.ts';
import type { Dependency } from '../http/healthRoutes.ts';
import type { Handler } from '../http/httpServer.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Spool } from '../pipeline/spool.ts';
import { openSpooledTable } from '../pipeline/spooledTable.ts';
import type { Pseudonymiser } from '../privacy/pseudonymiser.ts';
import { createReducers } from '../privacy/reducers.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import type { StatsCache } from '../stats/statsCache.ts';
import type { ErasureTombstones } from '../subjects/erasureTombstones.ts';
import type { EventStore } from '../store/eventStore.ts';
import { createClientIp } from './clientIp.ts';
import { createCollectRoutes } from './collectRoute.ts';
import { counterRoute } from './counterRoute.ts';
import { createImportBatches } from './importBatches.ts';
import { importRoute } from './importRoute.ts';
import { preflightRoute } from './cors.ts';
import { createRateLimiter } from './rateLimiter.ts';
import { EVENT_LIMITS } from './validateEvent.ts';

export interface Collector {
  readonly routes: ReadonlyMap<string, Handler>;
  readonly dependencies: readonly Dependency[];
  readonly spools: readonly Spool[];
  /** Writes what is spooled now (tests and the import command wait on it). */
  flush(): Promise<void>;
  /** Delivers until `deadline` (ms since the epoch); what is left stays spooled for the next start. */
  close(deadline?: number): Promise<void>;
  /** Resolves when no spool insert is in flight. */
  idle(): Promise<void>;
}

export interface CollectorDeps {
  config: Config;
  pseudonymiser: Pseudonymiser;
  store: EventStore;
  sites: SiteStore;
  /** The authorised REST routes' helper (key, purpose, site, rate limits, audit): /v1/import. */
  rest: RestAccess;
  statsCache: StatsCache;
  /** Shared with the API (setConsent), which must write through the same spools. */
  consents: ConsentStore;
  erasures: ErasureTombstones;
  log: Logger;
  metrics: Metrics;
}

export async function startCollector({ config, pseudonymiser, store, sites, rest, statsCache, consents, erasures, log, metrics }: CollectorDeps): Promise<Collector> {
  const deps = { config, store, log, metrics };
  // New events move their sites' data watermarks, so cached statistics are never staler than a flush.
  const eventsTable = await openSpooledTable('events', deps, (seg) => statsCache.bump(seg.tags ?? '*'));
  const batchesTable = await openSpooledTable('import_batches', deps);
  const tables = [eventsTable, batchesTable];
  const events = eventsTable.spool;
  const ingestDeps = { sites, reducers: createReducers(pseudonymiser), spool: events, consents, erasures, metrics };
  const routes = createCollectRoutes(
    { ...ingestDeps, clientIp: createClientIp(config.trustedProxies), rateLimiter: createRateLimiter({ perSecond: config.rateLimitPerIp }) },
    { maxEvents: 500, maxBodyBytes: config.maxBodyBytes, maxInFlight: 256, limits: { ...EVENT_LIMITS, maxAgeMs: config.maxEventAgeMs } },
  );
  const preflight = preflightRoute(sites);
  const importBatches = createImportBatches({
    store,
    spool: batchesTable.spool,
    async flush() {
      await batchesTable.deliverer.flush();
      return !batchesTable.deliverer.degraded && batchesTable.spool.peek() === undefined;
    },
  });
  return {
    routes: new Map<string, Handler>([
      ['POST /collect', routes.collect],
      ['GET /collect.gif', routes.pixel],
      ['POST /consent', routes.consent],
      ['OPTIONS /collect', preflight],
      ['OPTIONS /consent', preflight],
      ['GET /counter.js', counterRoute()],
      ['POST /v1/import', importRoute({ ...ingestDeps, importBatches }, rest, log, { maxBodyBytes: 16 * 1024 * 1024, maxEvents: 10_000 })],
    ]),
    dependencies: tables.map((t) => t.dependency),
    spools: tables.map((t) => t.spool),
    async flush() {
      await Promise.all(tables.map((t) => t.deliverer.flush()));
    },
    async close(deadline) {
      await Promise.all(tables.map((t) => t.deliverer.close(deadline)));
    },
    async idle() {
      await Promise.all(tables.map((t) => t.deliverer.idle()));
    },
  };
}
