// One node:http server for every route; routing is a map lookup so the hot paths pay nothing.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { BodyError } from './readBody.ts';
import { sendJson } from './respond.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
/** Keys are "METHOD /path". */
export type Routes = ReadonlyMap<string, Handler>;

export function createHttpServer(routes: Routes, log: Logger, metrics: Metrics): http.Server {
  const paths = new Set([...routes.keys()].map((k) => k.slice(k.indexOf(' ') + 1)));
  // Labelled children resolved once per route and status: prom-client hashes labels on every call.
  const durations = new Map<string, { observe(v: number): void }>();
  const counts = new Map<string, { inc(): void }>();
  const record = (route: string, status: number, seconds: number) => {
    const key = `${route} ${status}`;
    let c = counts.get(key);
    if (c === undefined) counts.set(key, (c = metrics.httpRequests.labels(route, String(status))));
    c.inc();
    let d = durations.get(route);
    if (d === undefined) durations.set(route, (d = metrics.httpDuration.labels(route)));
    d.observe(seconds);
  };
  return http.createServer(async (req, res) => {
    const started = performance.now();
    const q = req.url?.indexOf('?') ?? -1;
    const path = q === -1 ? (req.url ?? '/') : req.url!.slice(0, q);
    const handler = routes.get(`${req.method} ${path}`);
    const route = handler === undefined ? 'unmatched' : path;
    res.once('finish', () => record(route, res.statusCode, (performance.now() - started) / 1000));
    if (handler === undefined) {
      if (paths.has(path)) return sendJson(res, 405, { error: `method ${req.method} is not allowed on ${path}` });
      return sendJson(res, 404, { error: `no route ${path}` });
    }
    try {
      await handler(req, res);
    } catch (err) {
      if (err instanceof BodyError) {
        if (!res.headersSent) sendJson(res, err.status, { error: err.message });
        return;
      }
      log.error({ err: err instanceof Error ? err.message : String(err), route }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  });
}
