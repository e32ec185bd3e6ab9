// POST /graphql through Apollo Server 5, on our own node:http server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { ApiKeyStore } from '../access/apiKeyStore.ts';
import { refusalError, sendGraphqlRefusal, type AccessGuard } from '../access/accessGuard.ts';
import { requestAccess, type SessionKeys } from '../access/requestAccess.ts';
import { auditPlugin, createOperationRecorder } from '../audit/auditPlugin.ts';
import type { AuditTally } from '../audit/auditTally.ts';
import { AuditTrail, type AuditSink } from '../audit/auditTrail.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { readBody } from '../http/readBody.ts';
import { ApiError, ErrorCode } from '../errors/apiError.ts';
import type { AnswerCache } from './answerCache.ts';
import { createFormatError } from './errors.ts';
import { introspectionPlugin } from './introspectionPlugin.ts';
import { createPreparedQueries, executePrepared } from './preparedQueries.ts';
import { DEFAULT_QUERY_LIMITS, MAX_NESTING, nestsDeeper, noSubscriptionsRule, queryLimitsRule } from './queryLimits.ts';
import type { RequestContext } from './requestContext.ts';

export interface GraphqlDeps {
  schema: GraphQLSchema;
  keys: ApiKeyStore;
  audit: AuditSink;
  /** Where look-up-only operations are audited (summed per second); without it, every operation is a row. */
  auditTally?: AuditTally;
  log: Logger;
  metrics: Metrics;
  production: boolean;
  maxBodyBytes: number;
  /** Rate limits: failed authentications per address, requests per key (access/accessGuard.ts). */
  guard?: AccessGuard;
  /** Dashboard sessions, which stand in for a key on same-origin requests that declare a purpose. */
  sessions?: SessionKeys;
  /** Where statistics operations' answers are kept (answerCache.ts); without it, none are. */
  answers?: AnswerCache;
}

export interface GraphqlRoute {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  stop(): Promise<void>;
}

export async function createGraphqlRoute(deps: GraphqlDeps): Promise<GraphqlRoute> {
  const record = createOperationRecorder(deps.audit, deps.metrics, deps.auditTally);
  const formatError = createFormatError(deps.log, { hideSuggestions: deps.production });
  const validationRules = [queryLimitsRule(DEFAULT_QUERY_LIMITS), noSubscriptionsRule];
  const preparedPath = deps.metrics.graphqlPath.child({ path: 'prepared' });
  const apolloPath = deps.metrics.graphqlPath.child({ path: 'apollo' });
  const keptPath = deps.metrics.graphqlPath.child({ path: 'kept' });
  const prepared = createPreparedQueries(deps.schema, { maxTokens: DEFAULT_QUERY_LIMITS.maxTokens, validationRules });
  const apollo = new ApolloServer<RequestContext>({
    schema: deps.schema,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (service.stop flushes buffers first); Apollo's handler would re-raise the signal.
    stopOnTerminationSignals: false,
    formatError,
    introspection: true, // gated per request by introspectionPlugin
    validationRules,
    parseOptions: { maxTokens: DEFAULT_QUERY_LIMITS.maxTokens },
    // GET queries (GraphQL over HTTP) are taken when they carry a header no browser sends cross-site
    // without a preflight; every Calypso request carries X-Calypso-Purpose. Mutations stay POST-only
    // (Apollo answers 405 to a mutation over GET).
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'x-calypso-purpose'] },
    // Cache-control hints are unused (answers are cached by statsCache, not by HTTP caches), and Apollo's
    // default cache-control plugin instruments every field resolution: off.
    plugins: [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginLandingPageDisabled(), introspectionPlugin(deps.production), auditPlugin(record)],
  });
  await apollo.start();

  return {
    async handle(req, res) {
      // An address over its failed-authentication budget is refused before its body is read.
      const ip = deps.guard?.clientIp(req) ?? '';
      const blocked = deps.guard?.blocked(ip);
      if (blocked !== undefined) return sendGraphqlRefusal(req, res, blocked);
      const header = (name: string): string | undefined => {
        const v = req.headers[name];
        return Array.isArray(v) ? v.join(', ') : v;
      };
      const text = await readBody(req, deps.maxBodyBytes);
      let body: unknown = text;
      if ((header('content-type') ?? '').includes('json') && text !== '') {
        if (nestsDeeper(text, MAX_NESTING)) return sendGraphqlRefusal(req, res, new ApiError(ErrorCode.BAD_USER_INPUT, `the request body nests deeper than ${MAX_NESTING} levels`));
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined; // Apollo answers 400 for a missing body
        }
      }
      const deep = deepParts(req, body);
      if (deep === 'query') return sendGraphqlRefusal(req, res, new ApiError(ErrorCode.QUERY_TOO_COMPLEX, `the query nests deeper than ${MAX_NESTING} levels`));
      if (deep !== undefined) return sendGraphqlRefusal(req, res, new ApiError(ErrorCode.BAD_USER_INPUT, `the ${deep} parameter nests deeper than ${MAX_NESTING} levels`));
      const extensions = (body as { extensions?: { purpose?: unknown } } | undefined)?.extensions;
      const response: RequestContext['response'] = {};
      const context = async (): Promise<RequestContext> => {
        const access = await requestAccess(req, extensions?.purpose, deps.keys, deps.sessions);
        // A failed authentication counts against the address; a key takes from its budget (429 when over).
        const refused = deps.guard?.admit(ip, access);
        if (refused !== undefined) throw refusalError(refused);
        return { access, audit: new AuditTrail(), response, answered: [] };
      };

      // A query seen before skips Apollo's pipeline (preparedQueries.ts says which qualify).
      const request = body as { query?: unknown; operationName?: unknown; variables?: unknown; extensions?: { persistedQuery?: unknown } } | undefined;
      if (req.method === 'POST' && typeof request?.query === 'string' && request.extensions?.persistedQuery === undefined && answersJson(header('accept'))) {
        const query = prepared.get(request.query, request.operationName);
        // A context that cannot be made (the key store cannot read ClickHouse) goes to Apollo, which answers it.
        const contextValue = query === undefined ? undefined : await context().catch(() => undefined);
        if (query !== undefined && contextValue !== undefined) {
          // The very same request answered before under the same key: checked, audited, sent again (answerCache.ts).
          const kept = await deps.answers?.serve(text, contextValue);
          if (kept !== undefined) {
            record(contextValue, query.operationName, undefined, undefined, kept.rows);
            keptPath.inc();
            return sendAnswer(res, 200, kept.body, kept.bytes, undefined);
          }
          const answer = await executePrepared(deps.schema, query, request.variables, contextValue, formatError as never);
          if (answer !== undefined) {
            record(contextValue, query.operationName, answer.data, answer.errors?.[0]?.extensions?.code);
            deps.answers?.keep(text, contextValue, answer);
            preparedPath.inc();
            return sendAnswer(res, answer.status, answer.body, Buffer.byteLength(answer.body), response.degraded);
          }
        }
      }

      const headers = new HeaderMap();
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
      apolloPath.inc();
      const url = new URL(req.url ?? '/', 'http://localhost');
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'POST', headers, search: url.search, body },
        context,
      });
      const out: Record<string, string> = {};
      for (const [k, v] of result.headers) out[k] = v;
      if (response.degraded !== undefined) out['x-calypso-degraded'] = response.degraded;
      if (result.body.kind === 'complete') {
        // A known length: no chunked encoding, one write for head and body. Apollo ends it with a newline.
        out['content-length'] = String(Buffer.byteLength(result.body.string));
        res.writeHead(result.status ?? 200, out);
        res.end(result.body.string);
      } else {
        res.writeHead(result.status ?? 200, out);
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      }
    },
    stop: () => apollo.stop(),
  };
}

/**
 * True when Apollo would answer `application/json` for this Accept header: none, JSON or a wildcard, and
 * not the GraphQL-over-HTTP media type (Apollo answers that one itself, with its own status codes).
 */
function answersJson(accept: string | undefined): boolean {
  if (accept === undefined) return true;
  if (accept.includes('application/graphql-response+json')) return false;
  return accept.includes('application/json') || accept.includes('*/*');
}

/**
 * Which part of a request nests deeper than MAX_NESTING, read from the text before graphql-js parses
 * or coerces it (both recurse): the query, or a GET's variables or extensions (a POST's are in its
 * body, scanned whole before JSON.parse).
 */
function deepParts(req: IncomingMessage, body: unknown): 'query' | 'variables' | 'extensions' | undefined {
  if (req.method === 'GET') {
    const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
    for (const part of ['query', 'variables', 'extensions'] as const) {
      const value = params.get(part);
      if (value !== null && nestsDeeper(value, MAX_NESTING)) return part;
    }
    return undefined;
  }
  const query = (body as { query?: unknown } | undefined)?.query;
  return typeof query === 'string' && nestsDeeper(query, MAX_NESTING) ? 'query' : undefined;
}

/** A prepared or kept answer's JSON, with X-Calypso-Degraded when the answer is a degraded one. */
function sendAnswer(res: ServerResponse, status: number, body: string, bytes: number, degraded: string | undefined): void {
  const out: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (degraded !== undefined) out['x-calypso-degraded'] = degraded;
  out['content-length'] = String(bytes);
  res.writeHead(status, out);
  res.end(body);
}
