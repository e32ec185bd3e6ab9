import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../observability/metrics.ts';
import { sendJson, sendText } from './respond.ts';

export interface Dependency {
  readonly name: string;
  readonly detail: string;
  /** A failing critical dependency makes the service unready (503); any other only "degraded" (200). */
  readonly critical: boolean;
  check(): Promise<void>;
}

export interface ReadinessOptions {
  /** A dependency that does not answer within this is reported down. Default 2 000 ms. */
  timeoutMs?: number;
}

/** GET /readyz: 200 only when every dependency answers and the service is not shutting down. */
export function readinessRoute(deps: readonly Dependency[], isStopping: () => boolean, options: ReadinessOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 2_000;
  return async (_req: IncomingMessage, res: ServerResponse) => {
    const checks: Record<string, { ok: boolean; critical: boolean; detail: string; latencyMs: number; error?: string }> = {};
    await Promise.all(
      deps.map(async (d) => {
        const t = Date.now();
        try {
          await Promise.race([d.check(), new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref())]);
          checks[d.name] = { ok: true, critical: d.critical, detail: d.detail, latencyMs: Date.now() - t };
        } catch (err) {
          // NOTE: unauthenticated endpoint: say that it failed, not the internals of why.
          const reason = err instanceof Error && /^(no answer|degraded)/.test(err.message) ? err.message : 'unavailable';
          checks[d.name] = { ok: false, critical: d.critical, detail: d.detail, latencyMs: Date.now() - t, error: reason };
        }
      }),
    );
    const stopping = isStopping();
    const all = Object.values(checks);
    const ready = !stopping && all.every((c) => c.ok || !c.critical);
    const status = stopping ? 'stopping' : !ready ? 'unavailable' : all.every((c) => c.ok) ? 'ready' : 'degraded';
    sendJson(res, ready ? 200 : 503, { status, checks });
  };
}

export function healthRoute() {
  return (_req: IncomingMessage, res: ServerResponse) => sendJson(res, 200, { status: 'ok' });
}

export function metricsRoute(metrics: Metrics) {
  return async (_req: IncomingMessage, res: ServerResponse) => {
    sendText(res, 200, await metrics.registry.metrics(), metrics.registry.contentType);
  };
}
