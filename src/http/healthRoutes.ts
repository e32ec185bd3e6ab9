import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../observability/metrics.ts';
import { sendJson, sendText } from './respond.ts';

export interface Dependency {
  readonly name: string;
  readonly detail: string;
  /** A failing critical dependency makes the service unready (503); any other only "degraded" (200). */
  readonly critical: boolean;
  check(): Promise<void>;
  /**
   * What the dependency has been doing besides answering checks. A check that times out while the
   * dependency answered other requests a moment ago, or runs one started not long ago (an erasure's long
   * DELETE holds the embedded engine), means busy, not dead: reported `busy`, and degraded, not unready.
   */
  activity?(): { lastAnswerAt: number; oldestRunningSince: number | undefined };
}

export interface ReadinessOptions {
  /** A dependency that does not answer within this is reported down (unless busy). Default 2 000 ms. */
  timeoutMs?: number;
  /** An answer to another request this recent makes a timed-out check "busy". Default 10 s. */
  recentAnswerMs?: number;
  /** A request running for less than this makes a timed-out check "busy"; older, it looks hung. Default 15 min. */
  longOperationMs?: number;
}

class CheckTimeout extends Error {}

type Check = { ok: boolean; critical: boolean; detail: string; latencyMs: number; busy?: true; error?: string };

/** Why a dependency whose check timed out is only busy, or undefined when nothing says it is alive. */
function busyReason(d: Dependency, now: number, recentAnswerMs: number, longOperationMs: number): string | undefined {
  const a = d.activity?.();
  if (a === undefined) return undefined;
  if (a.oldestRunningSince !== undefined && now - a.oldestRunningSince < longOperationMs) {
    return `busy: a request has been running for ${Math.round((now - a.oldestRunningSince) / 1000)} s`;
  }
  if (now - a.lastAnswerAt < recentAnswerMs) return `busy: answered another request ${Math.round((now - a.lastAnswerAt) / 1000)} s ago`;
  return undefined;
}

/**
 * GET /readyz: 200 `ready` when every dependency answers; 200 `degraded` when only non-critical ones
 * fail or a critical one is busy; 503 when a critical one is down or the service is stopping.
 */
export function readinessRoute(deps: readonly Dependency[], isStopping: () => boolean, options: ReadinessOptions = {}) {
  const { timeoutMs = 2_000, recentAnswerMs = 10_000, longOperationMs = 15 * 60_000 } = options;
  return async (_req: IncomingMessage, res: ServerResponse) => {
    const checks: Record<string, Check> = {};
    await Promise.all(
      deps.map(async (d) => {
        const t = Date.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([d.check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs)))]);
          checks[d.name] = { ok: true, critical: d.critical, detail: d.detail, latencyMs: Date.now() - t };
        } catch (err) {
          const busy = err instanceof CheckTimeout ? busyReason(d, Date.now(), recentAnswerMs, longOperationMs) : undefined;
          // NOTE: unauthenticated endpoint: say that it failed, not the internals of why.
          const reason = busy ?? (err instanceof Error && /^(no answer|degraded)/.test(err.message) ? err.message : 'unavailable');
          checks[d.name] = { ok: false, critical: d.critical, detail: d.detail, latencyMs: Date.now() - t, ...(busy === undefined ? {} : { busy: true }), error: reason };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const stopping = isStopping();
    const all = Object.values(checks);
    const ready = !stopping && all.every((c) => c.ok || c.busy === true || !c.critical);
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
