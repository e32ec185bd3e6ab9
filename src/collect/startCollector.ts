// Assembles the collector role: spools and their delivery, consent, the HTTP routes.
import type { RestAccess } from '../access/restAccess.ts';
import type { Cache } from '../cache/cache.ts';
import { isRedisCache } from '../cache/redisCache.ts';
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
import { createVisitAssigner } from '../visits/visitAssigner.ts';
import { memoryVisitStateStore, type VisitStateStore } from '../visits/visitStateStore.ts';
import { redisVisitStateStore } from '../visits/redisVisitStateStore.ts';
import { warmVisitState } from '../visits/warmVisitState.ts';

/** How long a collector remembers a visitor's visits after their last hit (docs/visits.md). */
export const VISIT_STATE_MS = 2 * 3_600_000;

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
  /** The visitors' recent visits: an erasure forgets a pid's (service.ts hands it to subjectData.ts). */
  readonly visitState: VisitStateStore;
}

export interface CollectorDeps {
  config: Config;
  /** Redis when configured: the visit state is shared by every collector through it. */
  cache: Cache;
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
  /**
   * Forms the visits of stored events that have none (backfillVisits.ts), run once the previous run's
   * spools are delivered and before the visit state is read: service.ts supplies it with its lock.
   */
  backfillVisits?: () => Promise<void>;
}

export async function startCollector({ config, cache, pseudonymiser, store, sites, rest, statsCache, consents, erasures, log, metrics, backfillVisits }: CollectorDeps): Promise<Collector> {
  const deps = { config, store, log, metrics };
  // New events move their sites' data watermarks, so cached statistics are never staler than a flush.
  const eventsTable = await openSpooledTable('events', deps, (seg) => statsCache.bump(seg.tags ?? '*'));
  const batchesTable = await openSpooledTable('import_batches', deps);
  const visitsTable = await openSpooledTable('visits', deps);
  const aliasesTable = await openSpooledTable('visit_aliases', deps);
  const tables = [eventsTable, visitsTable, aliasesTable, batchesTable];
  const events = eventsTable.spool;
  // Stored events without a visit (from before visits were formed at ingest) get theirs before the visit
  // state is read. NOTE: the events backlog is not waited for (a long one would hold the start up): rows
  // spooled before an upgrade and delivered after it are formed at the next start.
  // The visit rows of the last run ride in the events spool's records (spoolSections.ts): they are
  // inserted ahead of the hits' backlog (not waited for, as above; its delivery then stores them once).
  // The visits spools hold only what a version before that left.
  const flushVisits = () => Promise.all([eventsTable.deliverer.deliverSections(), visitsTable.deliverer.flush(), aliasesTable.deliverer.flush()]);
  if (backfillVisits !== undefined) {
    await Promise.all([visitsTable.deliverer.flush(), aliasesTable.deliverer.flush()]);
    await backfillVisits();
  }
  const visitState = await openVisitState(config, cache, store, flushVisits, erasures, log);
  const visits = { assigner: createVisitAssigner({
      store,
      state: visitState,
      maxFutureMs: EVENT_LIMITS.maxFutureMs,
      onLookedUp: (n, ok) => metrics.visitLookups.child({ result: ok ? 'ok' : 'failed' }).inc(n),
      onLookupFailed: (err) => log.warn({ err }, 'visits: ClickHouse could not be asked for a late hit\'s visits; it was placed on what this collector remembers'),
    }) };
  const ingestDeps = { sites, reducers: createReducers(pseudonymiser), spool: events, consents, erasures, metrics, visits };
  const routes = createCollectRoutes(
    { ...ingestDeps, clientIp: createClientIp(config.trustedProxies), rateLimiter: createRateLimiter({ perSecond: config.rateLimitPerIp }) },
    { maxEvents: 500, maxBodyBytes: config.maxBodyBytes, maxInFlight: 256, maxInFlightEvents: 20_000, limits: { ...EVENT_LIMITS, maxAgeMs: config.maxEventAgeMs } },
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
    visitState,
  };
}

/**
 * Redis when the service has it (every collector places against the same state, holding each visitor
 * across processes), else this process's memory; either learns the recent visits from ClickHouse.
 */
async function openVisitState(config: Config, cache: Cache, store: EventStore, flushVisits: () => Promise<unknown>, erasures: ErasureTombstones, log: Logger): Promise<VisitStateStore> {
  const warm = async (state: VisitStateStore) => {
    await flushVisits();
    await warmVisitState(store, state, VISIT_STATE_MS, EVENT_LIMITS.maxFutureMs);
  };
  if (!isRedisCache(cache)) {
    const state = memoryVisitStateStore({ keepMs: VISIT_STATE_MS, maxVisitors: config.visitStateMax });
    // An erasure made by another instance (one sharing a ClickHouse server, without Redis) cannot reach
    // this memory: its tombstone can. The eraser itself forgets through subjectData.ts; in Redis it deletes
    // the keys, so the Redis store needs no listener.
    erasures.onErased((site, pid, at) => state.forgetErased(site, pid, at));
    await warm(state).catch((err: unknown) => {
      // Without ClickHouse the store starts empty and says so: returning visitors are looked up when it answers.
      log.warn({ err }, 'visits: could not read the recent visits; hits of visitors seen before this start are placed against ClickHouse');
    });
    return state;
  }
  const state = redisVisitStateStore(cache, {
    keepMs: VISIT_STATE_MS,
    // Run by one collector when the store has no marker (Redis new, emptied, or missed writes).
    warm: () => warm(state),
    onError: (err) => log.warn({ err }, 'visits: Redis failed a visit state read or write; hits are placed against ClickHouse until the state is loaded again'),
  });
  const risk = await state.evictionRisk();
  if (risk !== undefined) log.warn({ risk }, 'visits: Redis may evict visit state (set maxmemory-policy noeviction): an evicted visitor\'s next hit opens a new visit');
  await state.ensureWarm().catch((err: unknown) => {
    log.warn({ err }, 'visits: could not load the recent visits into Redis; hits are placed against ClickHouse until a collector does');
  });
  return state;
}
