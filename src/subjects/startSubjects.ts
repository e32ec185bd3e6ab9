// Assembles subject rights for the API role: the data operations, the GraphQL resolvers, the download route.
import type { RestAccess } from '../access/restAccess.ts';
import type { Config } from '../config/config.ts';
import type { ConsentStore } from '../consent/consentStore.ts';
import type { Handler } from '../http/httpServer.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Pseudonymiser } from '../privacy/pseudonymiser.ts';
import type { SegmentIndex } from '../segments/segmentIndex.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import type { StatsCache } from '../stats/statsCache.ts';
import type { EventStore } from '../store/eventStore.ts';
import type { VisitStateStore } from '../visits/visitStateStore.ts';
import type { ErasureTombstones } from './erasureTombstones.ts';
import { createSubjectData } from './subjectData.ts';
import { subjectExportRoute } from './subjectExportRoute.ts';
import { createSubjectResolvers } from './subjectResolvers.ts';

export interface SubjectsDeps {
  config: Pick<Config, 'legalHoldDays' | 'auditRetentionDays' | 'contactEmail'>;
  pseudonymiser: Pseudonymiser;
  store: EventStore;
  sites: SiteStore;
  consents: ConsentStore;
  index: SegmentIndex;
  tombstones: ErasureTombstones;
  /** The visit state an erasure forgets the pids' open visits in (service.ts). */
  visitState: Pick<VisitStateStore, 'forgetPid'>;
  statsCache: StatsCache;
  /** The authorised REST routes' helper (key, purpose, site, rate limits, audit). */
  rest: RestAccess;
  flushLocal: () => Promise<void>;
  log: Logger;
  metrics: Metrics;
}

export function createSubjects(deps: SubjectsDeps) {
  const { config, store, sites, consents, log } = deps;
  const { pseudonymiser } = deps;
  const subjects = createSubjectData({
    store,
    consents,
    index: deps.index,
    tombstones: deps.tombstones,
    visitState: deps.visitState,
    flushLocal: deps.flushLocal,
    bumpStats: (site) => deps.statsCache.bump([site]),
    legalHoldDays: config.legalHoldDays,
    log,
  });
  return {
    resolvers: createSubjectResolvers({
      sites,
      store,
      consents,
      subjects,
      pseudonymiser,
      policy: { auditRetentionDays: config.auditRetentionDays, legalHoldDays: config.legalHoldDays },
      contact: config.contactEmail,
    }),
    /** Schedules again the repeat of erasures made shortly before this start (subjectData.ts). */
    repeatRecent: () => subjects.repeatRecent(),
    routes: new Map<string, Handler>([['GET /v1/subjects/export', subjectExportRoute({ rest: deps.rest, sites, subjects, pseudonymiser })]]),
  };
}
