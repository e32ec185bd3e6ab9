// One node:http server for every route; routing is a map lookup so the hot paths pay nothing.
// Per request there is no async wrapper and no 'finish' listener: a handler's promise gets one catch,
// and request metrics are recorded from Node's diagnostics channel for finished responses.
import diagnostics from 'node:diagnostics_channel';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { ApiError, echo, ErrorCode } from '../errors/apiError.ts';
import { sendError } from './respond.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
/** Keys are "METHOD /path". */
export type Routes = ReadonlyMap<string, Handler>;
/** Keys are "METHOD /prefix/": asked only when no exact route matched (the dashboard's /assets/). */
export type PrefixRoutes = ReadonlyMap<string, Handler>;

// What the finish channel needs to know of a request: its route label and when it started.
const ROUTE = Symbol('calypso.route');
const STARTED = Symbol('calypso.started');
type Tracked = IncomingMessage & { [ROUTE]?: string; [STARTED]?: number };

export function createHttpServer(routes: Routes, log: Logger, metrics: Metrics, prefixes: PrefixRoutes = new Map()): http.Server {
  const paths = new Set([...routes.keys()].map((k) => k.slice(k.indexOf(' ') + 1)));
  // A 405 says which methods the path takes (RFC 9110 §15.5.6).
  const allowed = (path: string) => [...routes.keys()].filter((k) => k.endsWith(` ${path}`)).map((k) => k.slice(0, k.indexOf(' '))).join(', ');
  const record = metrics.http.record;

  const fail = (err: unknown, route: string, res: ServerResponse) => {
    // A client's error (a body too large, not JSON, of the wrong type) from any handler: its own answer.
    if (err instanceof ApiError) {
      if (!res.headersSent) sendError(res, err);
      return;
    }
    log.error({ err: err instanceof Error ? err.message : String(err), route }, 'request failed');
    if (!res.headersSent) sendError(res, new ApiError(ErrorCode.INTERNAL_SERVER_ERROR, 'internal error'));
    else res.destroy();
  };

  const server = http.createServer((req: Tracked, res) => {
    req[STARTED] = performance.now();
    const q = req.url?.indexOf('?') ?? -1;
    const path = q === -1 ? (req.url ?? '/') : req.url!.slice(0, q);
    let handler = routes.get(`${req.method} ${path}`);
    let route = path;
    // Only on a miss: the exact routes (the hot paths) pay nothing for the prefixes.
    if (handler === undefined && prefixes.size > 0) [handler, route] = prefixed(prefixes, `${req.method} ${path}`);
    req[ROUTE] = route = handler === undefined ? 'unmatched' : route;
    if (handler === undefined) {
      if (paths.has(path)) return sendError(res, new ApiError(ErrorCode.METHOD_NOT_ALLOWED, `method ${echo(req.method)} is not allowed on ${path}`), { allow: allowed(path) });
      return sendError(res, new ApiError(ErrorCode.NOT_FOUND, `no route ${echo(path)}`));
    }
    try {
      const done = handler(req, res);
      if (done !== undefined) done.catch((err: unknown) => fail(err, route, res));
    } catch (err) {
      fail(err, route, res);
    }
  });

  // NOTE: the channel is process-wide (tests run several servers in one process): only this server's.
  // At trace level every request is logged; decided once, so other levels pay nothing per request.
  const traceRequests = log.isLevelEnabled('trace');
  const onFinish = (message: unknown) => {
    const { request, response, server: from } = message as { request: Tracked; response: ServerResponse; server: http.Server };
    if (from !== server || request[STARTED] === undefined) return;
    const seconds = (performance.now() - request[STARTED]) / 1000;
    record(request[ROUTE] ?? 'unmatched', response.statusCode, seconds);
    // NOTE: route and status only: the URL's query and the client's address are personal data.
    if (traceRequests) log.trace({ method: request.method, route: request[ROUTE], status: response.statusCode, ms: Math.round(seconds * 1000) }, 'request');
  };
  diagnostics.subscribe('http.server.response.finish', onFinish);
  server.once('close', () => diagnostics.unsubscribe('http.server.response.finish', onFinish));
  return server;
}

/** The handler of the first prefix the request starts with, and its route label ("/assets/*"). */
function prefixed(prefixes: PrefixRoutes, request: string): [Handler | undefined, string] {
  for (const [prefix, h] of prefixes) if (request.startsWith(prefix)) return [h, `${prefix.slice(prefix.indexOf(' ') + 1)}*`];
  return [undefined, 'unmatched'];
}
