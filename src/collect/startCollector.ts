// Assembles the collector role: spools and their delivery, consent, the HTTP routes.
import path from 'node:path';
import type { ApiKeyStore } from '../access/apiKeyStore.ts';
import type { Cache } from '../cache/cache.ts';
import type { Config } from '../config/config.ts';
import type { Secrets } from '../config/secrets.ts';
import { createConsentStore } from '../consent/consentStore.ts';
import type { Dependency } from '../http/healthRoutes.ts';
import type { Handler } from '../http/httpServer.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { Spool, type ClosedSegment } from '../pipeline/spool.ts';
import { startSpoolDeliverer, type SpoolDeliverer } from '../pipeline/spoolDeliverer.ts';
import { createReducers } from '../privacy/reducers.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import type { StatsCache } from '../stats/statsCache.ts';
import type { EventStore } from '../store/eventStore.ts';
import { createClientIp } from './clientIp.ts';
import { createCollectRoutes } from './collectRoute.ts';
import { counterRoute } from './counterRoute.ts';
import { importRoute } from './importRoute.ts';
import { preflightRoute } from './cors.ts';
import { createRateLimiter } from './rateLimiter.ts';
import { EVENT_LIMITS } from './validateEvent.ts';

export interface Collector {
  readonly routes: ReadonlyMap<string, Handler>;
  readonly dependencies: readonly Dependency[];
  /** Writes what is spooled now (tests and the import command wait on it). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface CollectorDeps {
  config: Config;
  secrets: Secrets;
  store: EventStore;
  cache: Cache;
  sites: SiteStore;
  keys: ApiKeyStore;
  statsCache: StatsCache;
  log: Logger;
  metrics: Metrics;
}

export async function startCollector({ config, secrets, store, cache, sites, keys, statsCache, log, metrics }: CollectorDeps): Promise<Collector> {
  const deliverers: SpoolDeliverer[] = [];
  const dependencies: Dependency[] = [];
  // One spool per table: each segment is one insert into one table, with one dedup token.
  const openSpool = async (table: 'events' | 'consents') => {
    const spool = await Spool.open({ dir: path.join(config.dataDir, 'spool', table), maxBytes: config.spoolMaxBytes });
    if (spool.pendingSegments > 0) log.info({ table, segments: spool.pendingSegments, bytes: spool.pendingBytes }, 'replaying the spool left by the last run');
    // New events move their sites' data watermarks, so cached statistics are never staler than a flush.
    const onDelivered = table === 'events' ? (seg: ClosedSegment) => statsCache.bump(seg.tags ?? '*') : undefined;
    const d = startSpoolDeliverer(spool, store, { table, flushIntervalMs: config.flushIntervalMs, onDelivered }, log, metrics);
    deliverers.push(d);
    dependencies.push({
      name: `spool:${table}`,
      detail: 'local disk',
      critical: false,
      async check() {
        if (d.degraded) throw new Error(`degraded: ${spool.pendingBytes} bytes waiting for ClickHouse`);
      },
    });
    return spool;
  };
  const events = await openSpool('events');
  const consents = createConsentStore(await openSpool('consents'), cache);
  const ingestDeps = { sites, reducers: createReducers(secrets, cache), spool: events, consents, metrics };
  const routes = createCollectRoutes(
    { ...ingestDeps, clientIp: createClientIp(config.trustedProxies), rateLimiter: createRateLimiter({ perSecond: config.rateLimitPerIp }) },
    { maxEvents: 500, maxBodyBytes: config.maxBodyBytes, maxInFlight: 256, limits: { ...EVENT_LIMITS, maxAgeMs: config.maxEventAgeMs } },
  );
  const preflight = preflightRoute(sites);
  return {
    routes: new Map<string, Handler>([
      ['POST /collect', routes.collect],
      ['GET /collect.gif', routes.pixel],
      ['POST /consent', routes.consent],
      ['OPTIONS /collect', preflight],
      ['OPTIONS /consent', preflight],
      ['GET /counter.js', counterRoute()],
      ['POST /v1/import', importRoute(ingestDeps, keys, log, { maxBodyBytes: 16 * 1024 * 1024, maxEvents: 10_000 })],
    ]),
    dependencies,
    async flush() {
      await Promise.all(deliverers.map((d) => d.flush()));
    },
    async close() {
      await Promise.all(deliverers.map((d) => d.close()));
    },
  };
}
