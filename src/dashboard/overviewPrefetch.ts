// The overview's numbers, started on the server while the page loads: when index.html is served for the
// overview's address to a browser signed in with a key that has STATISTICS, the overview's first request
// (the page's own code builds it: web/screens/overview/view.ts) runs at once, its answers go into the
// statistics cache, and nothing is answered to anyone. The page's own request, 100–200 ms later (its boot
// script, the session, the key's sites), finds them there or joins their computation under way
// (src/stats/inFlight.ts) instead of starting it then. docs/performance.md "prefetch (2026-12-01)".
//
// NOTE (the security assumptions):
// - It runs as the page's request would: the same schema, so the same resolvers and the same per-field
//   check (enforcePurposes: a live key, the purpose STATISTICS among the key's, every site one of the
//   key's) under the key the session stands for, looked up fresh (a revoked key's session ends here too).
//   The site is one the `sites` field answers to that key, as the page picks it.
// - It discloses nothing: the answer is dropped. What it leaves is cached statistics, which the cache
//   already shares between every key asking the same query of the same site, and which a request reaches
//   only after its own checks (a cache hit is as checked as a computed answer). It is still a read made
//   for the key, so it is audited like any operation (one audit_log row each, operation names
//   OverviewPrefetchSites and OverviewPrefetch, noted as not answered); the page's own request is too.
// - Only a navigation the browser calls same-origin with the session's cookie (SameSite=Strict: a
//   cross-site link sends none) starts one; no session, an unknown or ended one, a revoked key or one
//   without STATISTICS: nothing runs.
// - No amplification: one at a time per session, at most MAX_AT_ONCE in the process (beyond, the page
//   computes on its own as before), one overview's first request per HTML load, and a reload within the
//   cache's lifetime finds every answer cached (it costs the look-ups only). Nothing a key could not make
//   by sending the page's request itself; not taken from the key's rate budget, so the page's requests
//   keep theirs.
import { hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { ApiKeyStore } from '../access/apiKeyStore.ts';
import type { RequestAccess } from '../access/requestAccess.ts';
import type { RecordOperation } from '../audit/auditPlugin.ts';
import { AuditTrail } from '../audit/auditTrail.ts';
import type { RequestContext } from '../graphql/requestContext.ts';
import type { Logger } from '../observability/logger.ts';
import { firstRequest, overviewView, SITES_QUERY, type SiteInfo } from '../../web/screens/overview/view.ts';
import type { RequestOrigin } from './origin.ts';
import { sessionKey } from './sessionAccess.ts';
import { sessionIdOf, type SessionStore } from './sessionStore.ts';

/** Prefetches under way in the process at most; each is one overview's first request. */
export const MAX_AT_ONCE = 4;
/** The overview's documents differ only by interval, comparison and filters: a handful are parsed, kept. */
const MAX_DOCUMENTS = 64;

export interface OverviewPrefetchDeps {
  schema: GraphQLSchema;
  sessions: SessionStore;
  keys: ApiKeyStore;
  origin: RequestOrigin;
  log: Logger;
  /** Writes each operation's audit row, as the graphql route does. */
  record: RecordOperation;
}

export interface OverviewPrefetch {
  /**
   * Starts the overview's first request for this page load when it may; never throws, never waits.
   * The promise settles when it is done (or was not started): only tests wait for it.
   */
  start(req: IncomingMessage): Promise<void>;
  /** Prefetches under way. */
  readonly size: number;
}

/** True for the overview's address (and the paths under it), as the page reads it (web/start.ts). */
export function isOverviewPath(url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0]!;
  return path.split('/')[1] === 'overview';
}

export function createOverviewPrefetch(deps: OverviewPrefetchDeps): OverviewPrefetch {
  const { schema, sessions, keys, origin, log, record } = deps;
  // NOTE: a digest of the session id, in memory only while its prefetch runs; never logged.
  const running = new Set<string>();
  const documents = new Map<string, DocumentNode>();

  const documentOf = (query: string): DocumentNode => {
    let doc = documents.get(query);
    if (doc !== undefined) return doc;
    doc = parse(query);
    const invalid = validate(schema, doc);
    if (invalid.length > 0) throw invalid[0]!;
    if (documents.size >= MAX_DOCUMENTS) documents.clear();
    documents.set(query, doc);
    return doc;
  };

  /** One operation, as /graphql would run it for this access; its data, or the first error thrown. */
  const run = async <T>(access: RequestAccess, operation: string, query: string, variables: Record<string, unknown>): Promise<T> => {
    // A context per operation: the statistics batcher groups one operation's fields (statsBatch.ts).
    const contextValue: RequestContext = { access, audit: new AuditTrail(), response: {} };
    contextValue.audit.note('prefetched for the overview page: computed into the cache, not answered');
    const result = await execute({ schema, document: documentOf(query), variableValues: variables, contextValue });
    const failed = result.errors !== undefined && result.errors.length > 0 ? result.errors[0]! : undefined;
    record(contextValue, operation, result.data, failed === undefined ? undefined : (failed.extensions.code ?? 'INTERNAL_SERVER_ERROR'));
    if (failed !== undefined) throw failed;
    return result.data as T;
  };

  const prefetch = async (sessionId: string, params: URLSearchParams): Promise<void> => {
    const found = await sessionKey(sessions, keys, sessionId);
    if (found?.kind !== 'ok' || !found.key.purposes.includes('STATISTICS')) return;
    const access: RequestAccess = { auth: found, purpose: 'STATISTICS', purposeText: 'STATISTICS' };
    const { sites } = await run<{ sites: SiteInfo[] }>(access, 'OverviewPrefetchSites', SITES_QUERY, {});
    const view = overviewView(params, sites, new Date());
    if (view.site === undefined) return;
    // Realtime left out: it is not cached, so it would be computed twice.
    const q = firstRequest(view.site.id, view.range, view.interval, view.state, { realtime: false });
    await run(access, 'OverviewPrefetch', q.query, q.variables);
  };

  return {
    get size() {
      return running.size;
    },
    async start(req) {
      if (req.method !== 'GET' || !isOverviewPath(req.url)) return;
      const id = sessionIdOf(req.headers.cookie);
      if (id === undefined || !origin.sameOrigin(req)) return;
      const mark = hash('sha256', id, 'base64url');
      if (running.has(mark)) return;
      if (running.size >= MAX_AT_ONCE) {
        log.debug('overview prefetch skipped: as many under way as allowed');
        return;
      }
      running.add(mark);
      try {
        const q = req.url!.indexOf('?');
        await prefetch(id, new URLSearchParams(q === -1 ? '' : req.url!.slice(q + 1)));
      } catch (err) {
        // The page asks on its own and sees any error then.
        log.debug({ err: err instanceof Error ? err.message : String(err) }, 'overview prefetch failed');
      } finally {
        running.delete(mark);
      }
    },
  };
}
