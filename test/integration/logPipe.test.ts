// A stalled log consumer must not stop the service: stdout is a pipe the test never reads, filled with
// trace-level logs; the collector still answers, /metrics counts the dropped lines, SIGTERM still stops it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from '../support/cliProcess.ts';
import { freePort } from '../support/ports.ts';
import { BROWSER_UA, tempDir } from '../support/testService.ts';

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a stdout nobody reads', () => {
  it('drops and counts log lines instead of blocking; /collect answers and SIGTERM stops the process', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { CALYPSO_DATA_DIR: dataDir, PORT: String(port), CALYPSO_LOG_LEVEL: 'trace', CALYPSO_LOG_BUFFER_BYTES: '65536', CALYPSO_RATE_LIMIT_PER_IP: '1000000' };
    const run = runCli(['start'], env, { stdout: 'unread' });
    // Also when the test times out (a service blocked on its log pipe would never exit by itself).
    onTestFinished(async () => {
      run.child.kill('SIGKILL');
      await run.exited();
    });
    await until('the service answers /healthz', async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined));
    const admin = fs.readFileSync(path.join(dataDir, 'secrets', 'admin.key'), 'utf8').trim();
    const created = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, 'x-calypso-purpose': 'ADMINISTRATION' },
      body: JSON.stringify({ query: 'mutation { createSite(id: "shop", name: "Shop", hostnames: ["shop.example"]) { id } }' }),
    });
    expect(created.status).toBe(200);

    // Each request is a trace line of about 150 bytes: 4 000 of them are several times what the
    // pipe (64 KiB), the reading side's buffer and the service's own 64 KiB can hold.
    for (let round = 0; round < 100; round++) {
      const statuses = await Promise.all(Array.from({ length: 40 }, async () => (await fetch(`${url}/healthz`)).status));
      expect(statuses.every((s) => s === 200)).toBe(true);
    }
    const hit = await fetch(`${url}/collect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
      body: JSON.stringify({ site: 'shop', url: 'https://shop.example/a', cid: 'log-pipe' }),
    });
    expect(hit.status).toBe(202);
    expect(await hit.json()).toEqual({ accepted: 1, rejected: [] });

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const dropped = Number(/^calypso_log_lines_dropped_total (\d+)$/m.exec(metrics)?.[1]);
    expect(dropped).toBeGreaterThan(0);

    run.child.kill('SIGTERM');
    const code = await Promise.race([run.exited(), new Promise<'still running'>((r) => setTimeout(() => r('still running'), 30_000))]);
    expect(code).toBe(0);
  });
});
