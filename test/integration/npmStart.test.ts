// `npm start` as users and supervisors run it: whether they signal npm's process or its whole process
// group, the service itself stops gracefully (its buffers flushed) and no orphan is left serving.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { openEventStore } from '../../src/store/eventStore.ts';
import { track } from '../support/cliProcess.ts';
import { freePort } from '../support/ports.ts';
import { BROWSER_UA, tempDir } from '../support/testService.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A pid that is gone, or a zombie nobody has reaped yet: either way no longer running. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function gone(pid: number, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (running(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

describe('npm start', () => {
  const cases = [
    { target: 'npm', signal: 'SIGTERM', title: "SIGTERM to npm's process" },
    { target: 'group', signal: 'SIGTERM', title: 'SIGTERM to the process group' },
    // npm cannot forward SIGKILL: the service notices that its parent is gone.
    { target: 'npm', signal: 'SIGKILL', title: "SIGKILL to npm's process (the service follows its parent)" },
  ] as const;
  for (const { target, signal, title } of cases) {
    it(`stops the service gracefully on ${title}`, async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      // Segments close only every minute: at the signal, the hit below is in the spool alone.
      const env = { CALYPSO_DATA_DIR: dataDir, PORT: String(port), CALYPSO_FLUSH_INTERVAL_MS: '60000', npm_config_update_notifier: 'false' };
      // Its own process group (detached), as a supervisor or a terminal would start it.
      const npm = spawn('npm', ['start'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const run = track(npm);
      onTestFinished(async () => {
        try {
          process.kill(-npm.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        await run.exited();
      });
      const pid = Number((await run.waitFor(/"pid":(\d+)[^\n]*"msg":"calypso listening"/))[1]);
      await run.waitFor(/Calypso is serving on/);
      expect(pid).not.toBe(npm.pid);
      // The launcher pins glibc's mmap threshold (bin/calypso.js): the service runs with it.
      expect(fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain('MALLOC_MMAP_THRESHOLD_=131072');

      const admin = fs.readFileSync(path.join(dataDir, 'secrets', 'admin.key'), 'utf8').trim();
      await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, 'x-calypso-purpose': 'ADMINISTRATION' },
        body: JSON.stringify({ query: 'mutation { createSite(id: "shop", name: "Shop", hostnames: ["shop.example"]) { id } }' }),
      });
      const hit = await fetch(`${url}/collect`, { method: 'POST', headers: { 'user-agent': BROWSER_UA }, body: JSON.stringify({ site: 'shop', url: 'https://shop.example/a', cid: 'npm-start' }) });
      expect(hit.status).toBe(202);

      process.kill(target === 'npm' ? npm.pid! : -npm.pid!, signal);
      expect(await gone(pid)).toBe(true);
      // Stopped, not forced out by the signal's second copy (npm forwards what it received).
      expect(run.stdout()).toMatch(/"msg":"stopped"/);
      await run.exited();

      const store = await openEventStore(loadConfig({ CALYPSO_DATA_DIR: dataDir }));
      try {
        expect(await store.query('SELECT count() AS n FROM events')).toEqual([{ n: '1' }]);
      } finally {
        await store.close();
      }
    });
  }
});
