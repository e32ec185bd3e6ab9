// An open-loop load at a steady rate, for latency: request i is due at start + i / rate, and its
// latency runs from when it was due, not from when it was sent, so a slow server is not hidden by the
// generator waiting on it (coordinated omission). autocannon's rate limit fires each second's quota in
// one burst, which measures the burst's queue instead.
import http from 'node:http';

export interface PacedRequest {
  path: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
}

export interface PacedResult {
  sent: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
}

/** Requests due in the first `warmupSeconds` open the sockets and warm both sides; they are not counted. */
export async function pacedLoad(base: string, make: (i: number) => PacedRequest, rate: number, seconds: number, warmupSeconds = 1, maxSockets = 64): Promise<PacedResult> {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const warm = Math.round(rate * warmupSeconds);
  const total = warm + Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  let done = 0;
  let failed = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    let next = 0;
    const finish = (i: number, ok: boolean) => {
      latencies[i] = performance.now() - (start + (i * 1000) / rate);
      if (!ok) failed++;
      if (++done === total) resolve();
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      for (; next < due; next++) {
        const i = next;
        const r = make(i);
        const req = http.request({ host: url.hostname, port: url.port, path: r.path, method: r.method ?? 'GET', headers: r.headers, agent }, (res) => {
          res.resume();
          res.once('end', () => finish(i, res.statusCode !== undefined && res.statusCode < 300));
        });
        req.once('error', () => finish(i, false));
        req.end(r.body);
      }
      if (next < total) setTimeout(tick, 1);
    };
    tick();
  });
  agent.destroy();
  const sorted = [...latencies.subarray(warm)].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
  return { sent: total - warm, failed, p50: at(0.5), p99: at(0.99), max: at(1) };
}
