// Wires the stages together for one role and runs them on one HTTP server.
import type { AddressInfo } from 'node:net';
import { createApiKeyResolvers } from './access/apiKeyResolvers.ts';
import { createApiKeyStore } from './access/apiKeyStore.ts';
import { createAuditResolvers } from './audit/auditResolvers.ts';
import { createPrivacyResolvers } from './subjects/privacyResolvers.ts';
import { createOperationRecorder } from './audit/auditPlugin.ts';
import { createAuditTally, type AuditTally } from './audit/auditTally.ts';
import { spooledAuditSink, type AuditSink } from './audit/auditTrail.ts';
import { createAccessGuard } from './access/accessGuard.ts';
import { createRestAccess, type RestAccess } from './access/restAccess.ts';
import type { Cache } from './cache/cache.ts';
import { createCacheLock } from './cache/cacheLock.ts';
import { openCache } from './cache/openCache.ts';
import { startCollector, VISIT_STATE_MS, type Collector } from './collect/startCollector.ts';
import { isRedisCache } from './cache/redisCache.ts';
import type { Config, Role } from './config/config.ts';
import { loadSecrets, type Secrets } from './config/secrets.ts';
import { createPseudonymiser } from './privacy/pseudonymiser.ts';
import { buildSchema } from './graphql/buildSchema.ts';
import { createAnswerCache } from './graphql/answerCache.ts';
import { createGraphqlRoute, type GraphqlRoute } from './graphql/graphqlRoute.ts';
import { healthRoute, metricsRoute, readinessRoute, type Dependency } from './http/healthRoutes.ts';
import { createHttpServer, type Handler } from './http/httpServer.ts';
import { createDashboardSessions, dashboardRoutes } from './dashboard/startDashboard.ts';
import type { Logger } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { openSpooledTable, type SpooledTable } from './pipeline/spooledTable.ts';
import { createConsentReader } from './consent/consentReader.ts';
import { createConsentStore, type ConsentStore } from './consent/consentStore.ts';
import { createSegments, type Segments } from './segments/startSegments.ts';
import { createErasureTombstones } from './subjects/erasureTombstones.ts';
import { createSubjects } from './subjects/startSubjects.ts';
import { createSiteResolvers } from './sites/siteResolvers.ts';
import { createSiteStore } from './sites/siteStore.ts';
import { createRealtimeResolvers } from './stats/realtimeResolvers.ts';
import { createStatsCache, type StatsCache } from './stats/statsCache.ts';
import { createStatsResolvers } from './stats/statsResolvers.ts';
import { openEventStore, type EventStore } from './store/eventStore.ts';
import { migrate } from './store/migrate.ts';
import { backfillVisits } from './visits/backfillVisits.ts';
import { redisVisitStateStore } from './visits/redisVisitStateStore.ts';
import type { VisitStateStore } from './visits/visitStateStore.ts';

/** How long a visits backfill may hold its lock, and how long another instance waits for it. */
const VISIT_BACKFILL_LOCK_MS = 30 * 60_000;

export interface RunningService {
  readonly port: number;
  readonly url: string;
  readonly secrets: Secrets;
  /** The service's own store, for the CLI and integration tests. */
  readonly store: EventStore;
  /** The collector's visit state (docs/visits.md), where this process runs one; integration tests look in it. */
  readonly visitState: VisitStateStore | undefined;
  /** Writes what the collector has spooled; resolves once it is in ClickHouse (or ClickHouse is down). */
  flush(): Promise<void>;
  /** Graceful stop: refuse new connections, finish requests, flush buffers, close the store. */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  role: Role;
  log: Logger;
  /** The built dashboard served at / (web/dist by default); tests point it at another directory. */
  dashboardDir?: string;
}

/** Opens the event store and cache, migrates, and opens both when the role needs them. */
export async function openStorage(config: Config, log: Logger): Promise<{ store: EventStore; cache: Cache }> {
  const store = await openEventStore(config);
  const cache = openCache(config);
  try {
    const result = await migrate(store, createCacheLock(cache), (m) => log.info({ version: m.version, name: m.name }, 'applying migration'));
    log.info({ applied: result.applied.length, schemaVersion: result.current, store: store.mode, cache: cache.kind }, 'event store ready');
  } catch (err) {
    await Promise.allSettled([store.close(), cache.close()]);
    throw err;
  }
  return { store, cache };
}

/**
 * The one-time visits backfill (backfillVisits.ts), under a lock of its own: instances starting together
 * run it once, the others wait and find nothing left. A failure is logged, not fatal: the events stay as
 * they were and the next start tries again.
 */
async function runVisitBackfill(store: EventStore, cache: Cache, statsCache: StatsCache, log: Logger): Promise<void> {
  // The lock outlives a long backfill (its holder cannot renew it); a crashed holder's expires.
  const lock = createCacheLock(cache, { ttlMs: VISIT_BACKFILL_LOCK_MS, waitMs: VISIT_BACKFILL_LOCK_MS });
  try {
    const done = await lock.withLock('visit-backfill', () => backfillVisits(store, log));
    // Statistics cached meanwhile (by other processes) were read without these visits.
    if (done !== undefined) await statsCache.bump('*');
  } catch (err) {
    log.warn({ err }, 'visits backfill failed: statistics with visit metrics miss the visits of older events until a start completes it');
  }
}

export async function startService(config: Config, opts: ServiceOptions): Promise<RunningService> {
  const { role, log } = opts;
  if (config.clickhouse.url === undefined && role !== 'all') {
    throw new Error(`--role ${role} needs CLICKHOUSE_URL: the embedded engine lives inside one process, which runs every role`);
  }
  if (config.redisUrl === undefined && role !== 'all') {
    // NOTE: consent mirrors, the segment index, salts and locks must be shared between the processes.
    throw new Error(`--role ${role} needs REDIS_URL: the processes of a split deployment share consent, segments and locks through Redis`);
  }
  const secrets = loadSecrets(config);
  const { store, cache } = await openStorage(config, log);
  try {
    return await serve(config, opts, secrets, store, cache);
  } catch (err) {
    await Promise.allSettled([store.close(), cache.close()]);
    throw err;
  }
}

async function serve(config: Config, { role, log, dashboardDir }: ServiceOptions, secrets: Secrets, store: EventStore, cache: Cache): Promise<RunningService> {
  const metrics = createMetrics();
  const sites = createSiteStore(store);
  const keys = createApiKeyStore(store, secrets.adminKey);
  const statsCache = createStatsCache(cache, metrics);
  // One per process: the keyed pads and the day's salts are made once, whichever part asks.
  const pseudonymiser = createPseudonymiser(secrets, cache);
  const serves = (r: Role) => role === 'all' || role === r;

  const spooled: SpooledTable[] = [];
  const routes = new Map<string, Handler>();
  const prefixes = new Map<string, Handler>();
  const dependencies: Dependency[] = [];
  let graphql: GraphqlRoute | undefined;
  let collector: Collector | undefined;
  let auditTally: AuditTally | undefined;
  /** Every spool of this process delivered to ClickHouse. */
  const flush = async () => {
    await Promise.all([collector?.flush(), ...spooled.map((t) => t.deliverer.flush())]);
  };
  const consentReader = createConsentReader(cache, store);
  const segments: Segments | undefined =
    serves('api') || serves('worker') ? createSegments({ store, cache, consents: consentReader, sites, pseudonymiser, log, metrics }, { tickMs: config.segmentTickMs }) : undefined;

  // Consent is written by the collector (hits, POST /consent) and by the API (setConsent, erasure):
  // one pair of spools per process, shared by both.
  let consents: ConsentStore | undefined;
  const tombstones = createErasureTombstones(store);
  await tombstones.ready;
  if (serves('collector') || serves('api')) {
    const tables = await Promise.all((['consents', 'consent_log'] as const).map((t) => openSpooledTable(t, { config, store, log, metrics })));
    spooled.push(...tables);
    dependencies.push(...tables.map((t) => t.dependency));
    consents = createConsentStore({ consents: tables[0]!.spool, log: tables[1]!.spool }, cache, consentReader, { retentionDays: config.auditRetentionDays, log });
  }
  // The audit trail: the API's operations and the collector's imports. Refused requests and look-ups are
  // summed per second (auditTally.ts); the rate limits are shared by every authorised route of the process.
  let audit: AuditSink | undefined;
  let rest: RestAccess | undefined;
  const guard = createAccessGuard({ authFailuresPerMinute: config.authFailuresPerMinute, perKeyPerSecond: config.rateLimitPerKey, trustedProxies: config.trustedProxies });
  // Dashboard sessions live in the shared cache: every process that answers authorised requests reads them.
  const sessions = createDashboardSessions(cache, keys, { idleMinutes: config.sessionIdleMinutes, trustedProxies: config.trustedProxies });
  if (serves('collector') || serves('api')) {
    const auditTable = await openSpooledTable('audit_log', { config, store, log, metrics });
    spooled.push(auditTable);
    dependencies.push(auditTable.dependency);
    audit = spooledAuditSink(auditTable.spool, log, config.auditRetentionDays);
    auditTally = createAuditTally(audit);
    rest = createRestAccess({ keys, guard, tally: auditTally, sink: audit, sessions: sessions.keys });
  }
  if (serves('collector')) {
    collector = await startCollector({ config, cache, pseudonymiser, store, sites, rest: rest!, statsCache, consents: consents!, erasures: tombstones, log, metrics, backfillVisits: () => runVisitBackfill(store, cache, statsCache, log) });
    for (const [k, h] of collector.routes) routes.set(k, h);
    dependencies.push(...collector.dependencies);
  }
  if (serves('api')) {
    // An erasure forgets the pids' open visits: in this process's collector, or (the api role alone) in
    // the Redis the collectors share; a split deployment has Redis (checked in startService).
    const visitState = collector?.visitState ?? (isRedisCache(cache) ? redisVisitStateStore(cache, { keepMs: VISIT_STATE_MS }) : undefined);
    if (visitState === undefined) throw new Error('an API without a collector needs REDIS_URL: erasures must reach the collectors\' visit state');
    const subjects = createSubjects({
      config,
      pseudonymiser,
      store,
      sites,
      consents: consents!,
      index: segments!.index,
      tombstones,
      visitState,
      statsCache,
      rest: rest!,
      // Everything this process has accepted reaches ClickHouse before an erasure copies and deletes.
      flushLocal: flush,
      log,
      metrics,
    });
    const schema = buildSchema([
      createSiteResolvers(sites, { store, statsCache }),
      createApiKeyResolvers(keys, sites),
      createStatsResolvers(store, sites, statsCache),
      createRealtimeResolvers(store, sites),
      createAuditResolvers(store),
      segments!.resolvers(),
      subjects.resolvers,
      createPrivacyResolvers(config.contactEmail),
    ]);
    const answers = createAnswerCache({ schema, sites, statsCache });
    graphql = await createGraphqlRoute({ schema, keys, audit: audit!, auditTally, guard, log, metrics, production: config.nodeEnv === 'production', maxBodyBytes: config.maxBodyBytes, sessions: sessions.keys, answers });
    routes.set('POST /graphql', graphql.handle);
    routes.set('GET /graphql', graphql.handle);
    for (const [k, h] of segments!.routes(rest!)) routes.set(k, h);
    for (const [k, h] of subjects.routes) routes.set(k, h);
    // Audited as the graphql route's operations are (auditPlugin.ts), under operation names of their own.
    const prefetch = config.dashboardPrefetch ? { schema, log, record: createOperationRecorder(audit!, metrics, auditTally) } : undefined;
    const dashboard = dashboardRoutes({ sessions, keys, guard, rest: rest!, trustedProxies: config.trustedProxies, distDir: dashboardDir, prefetch });
    for (const [k, h] of dashboard.routes) routes.set(k, h);
    for (const [k, h] of dashboard.prefixes) prefixes.set(k, h);
    subjects
      .repeatRecent()
      .then((n) => n > 0 && log.info({ erasures: n }, 'erasures made shortly before this start will be repeated'))
      .catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not read recent erasures to repeat them'));
  }
  if (serves('worker')) segments!.startWorker();

  let stopping = false;
  routes.set('GET /healthz', healthRoute());
  // A collector alone keeps accepting into its spool while ClickHouse is down: degraded, still ready.
  dependencies.push({ name: 'clickhouse', detail: store.mode, critical: role !== 'collector', check: () => store.ping(), activity: () => store.activity() });
  dependencies.push({ name: 'cache', detail: cache.kind, critical: true, check: () => cache.ping() });
  routes.set('GET /readyz', readinessRoute(dependencies, () => stopping));
  routes.set('GET /metrics', metricsRoute(metrics));

  const server = createHttpServer(routes, log, metrics, prefixes);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  log.info({ role, port, host: config.host, store: store.mode, cache: cache.kind }, 'calypso listening');

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      // One deadline for the whole stop: open requests, then delivery of the spools. The spools are
      // durable, so what is not delivered by then stays on disk and is replayed (deduplicated) at the next start.
      const deadline = Date.now() + config.shutdownTimeoutMs;
      log.info('shutting down: no new connections, finishing requests');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
      await closed;
      clearTimeout(timer);
      log.debug('http closed; flushing buffers');
      // Before the spools close: the look-ups' audit tally flushes into the audit spool.
      await segments?.close();
      auditTally?.close();
      tombstones.close();
      await Promise.all([...spooled.map((t) => t.deliverer.close(deadline)), collector?.close(deadline)]);
      const left = [...spooled.map((t) => t.spool), ...(collector?.spools ?? [])].reduce((n, s) => n + s.pendingBytes, 0);
      if (left > 0) log.info({ bytes: left }, 'spooled data not delivered before the stop is delivered at the next start');
      // NOTE: the embedded engine is closed only once the insert in flight has finished (it runs in this
      // process and cannot hang on a network); a server's client aborts its request on close.
      if (store.mode === 'embedded') await Promise.all([...spooled.map((t) => t.deliverer.idle()), collector?.idle()]);
      log.debug('buffers flushed; stopping GraphQL');
      await graphql?.stop();
      log.debug('closing cache and store');
      await Promise.allSettled([cache.close(), store.close()]);
      log.info('stopped');
    })());

  return { port, url: `http://${host}:${port}`, secrets, store, visitState: collector?.visitState, flush, stop };
}
