// The dashboard's server side for the api role: its files, its sessions, and the session keys that
// /graphql and the REST routes accept in place of a key.
import path from 'node:path';
import type { AccessGuard } from '../access/accessGuard.ts';
import type { ApiKeyStore } from '../access/apiKeyStore.ts';
import type { SessionKeys } from '../access/requestAccess.ts';
import type { RestAccess } from '../access/restAccess.ts';
import type { RecordOperation } from '../audit/auditPlugin.ts';
import type { Cache } from '../cache/cache.ts';
import type { GraphQLSchema } from 'graphql';
import type { Handler } from '../http/httpServer.ts';
import type { Logger } from '../observability/logger.ts';
import { createOverviewPrefetch } from './overviewPrefetch.ts';
import { createRequestOrigin } from './origin.ts';
import { createSessionKeys } from './sessionAccess.ts';
import { createSessionRoutes } from './sessionRoutes.ts';
import { createSessionStore, type SessionStore } from './sessionStore.ts';
import { createDashboardFiles, SCREEN_PATHS } from './staticFiles.ts';

/** Where `npm run build:dashboard` writes the dashboard. */
export const DEFAULT_DIST_DIR = path.resolve(import.meta.dirname, '../../web/dist');

export interface DashboardSessions {
  readonly store: SessionStore;
  readonly keys: SessionKeys;
}

/** The sessions (any role that answers authorised requests reads them: they live in the shared cache). */
export function createDashboardSessions(cache: Cache, keys: ApiKeyStore, opts: { idleMinutes: number; trustedProxies: readonly string[] }): DashboardSessions {
  const store = createSessionStore(cache, opts.idleMinutes * 60_000);
  return { store, keys: createSessionKeys(store, keys, createRequestOrigin(opts.trustedProxies)) };
}

export interface DashboardDeps {
  sessions: DashboardSessions;
  keys: ApiKeyStore;
  guard: AccessGuard;
  rest: RestAccess;
  trustedProxies: readonly string[];
  /** The built dashboard; web/dist by default (tests point it elsewhere). */
  distDir?: string;
  /** The overview's numbers started when its page is served (overviewPrefetch.ts); none without. */
  prefetch?: { schema: GraphQLSchema; log: Logger; record: RecordOperation } | undefined;
}

/** The exact routes (/, the screens, /session) and the prefix routes (/assets/, the screens' sub-paths). */
export function dashboardRoutes(deps: DashboardDeps): { routes: Map<string, Handler>; prefixes: Map<string, Handler> } {
  const origin = createRequestOrigin(deps.trustedProxies);
  const p = deps.prefetch;
  const prefetch = p === undefined ? undefined : createOverviewPrefetch({ schema: p.schema, log: p.log, record: p.record, sessions: deps.sessions.store, keys: deps.keys, origin });
  const files = createDashboardFiles(deps.distDir ?? DEFAULT_DIST_DIR, prefetch === undefined ? undefined : (req) => void prefetch.start(req));
  const routes = createSessionRoutes({ store: deps.sessions.store, keys: deps.keys, guard: deps.guard, origin, rest: deps.rest });
  const prefixes = new Map<string, Handler>([
    ['GET /assets/', files.asset],
    ['HEAD /assets/', files.asset],
  ]);
  for (const p of ['/', ...SCREEN_PATHS]) {
    routes.set(`GET ${p}`, files.index);
    routes.set(`HEAD ${p}`, files.index);
  }
  for (const p of SCREEN_PATHS) prefixes.set(`GET ${p}/`, files.index);
  routes.set('GET /favicon.ico', files.favicon);
  return { routes, prefixes };
}
