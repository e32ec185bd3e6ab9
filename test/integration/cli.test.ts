// The CLI as a user runs it: first start, restart, a second process, bad configuration.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cliProcess.ts';
import { freePort } from '../support/ports.ts';
import { BROWSER_UA, tempDir } from '../support/testService.ts';

const RAW_COOKIE = 'cli-raw-cookie-7f3a9e';

async function gql(url: string, key: string, purpose: string, query: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-calypso-purpose': purpose },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data: Record<string, unknown> | null; errors?: unknown[] };
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('calypso CLI', () => {
  it('starts, keeps data and keys across a graceful restart, migrates once, and never stores the raw cookie id', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const env = { CALYPSO_DATA_DIR: dataDir, PORT: String(port) };
    const url = `http://127.0.0.1:${port}`;

    const first = runCli(['start'], env);
    const [, adminKey] = await first.waitFor(/^\s+(cly_admin_\S+)$/m);
    await first.waitFor(/Calypso is serving on/);
    expect(first.stdout()).toMatch(/"msg":"applying migration"/);
    expect(fs.statSync(path.join(dataDir, 'secrets', 'admin.key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dataDir, 'secrets', 'pseudonym.keys')).mode & 0o777).toBe(0o600);

    await gql(url, adminKey!, 'ADMINISTRATION', 'mutation { createSite(id: "shop", name: "Shop", hostnames: ["shop.example"], kAnonymity: 1) { id } }');
    const made = await gql(url, adminKey!, 'ADMINISTRATION', 'mutation { createApiKey(name: "m", purposes: [STATISTICS], sites: ["shop"]) { secret } }');
    const secret = (made.data?.createApiKey as { secret: string }).secret;
    const hit = await fetch(`${url}/collect`, { method: 'POST', headers: { 'user-agent': BROWSER_UA }, body: JSON.stringify({ site: 'shop', url: 'https://shop.example/a', cid: RAW_COOKIE }) });
    expect(hit.status).toBe(202);
    // SIGTERM at once: the buffered hit must be flushed, not lost.
    first.child.kill('SIGTERM');
    expect(await first.exited()).toBe(0);

    const second = runCli(['start'], env);
    await second.waitFor(/Calypso is serving on/);
    expect(second.stdout()).not.toMatch(/cly_admin_/);
    expect(second.stdout()).not.toMatch(/applying migration/);
    expect(second.stdout()).toMatch(/"applied":0/);

    const day = new Date().toISOString().slice(0, 10);
    const stats = await gql(url, secret, 'STATISTICS', `{ stats(site: "shop", from: "${day}", to: "${day}") { totals { pageviews visitors } } }`);
    expect(stats).toEqual({ data: { stats: { totals: { pageviews: 1, visitors: 1 } } } });

    const intruder = runCli(['migrate'], env);
    expect(await intruder.exited()).toBe(1);
    expect(intruder.stderr()).toMatch(/in use by another Calypso process/);

    second.child.kill('SIGTERM');
    expect(await second.exited()).toBe(0);

    const needle = Buffer.from(RAW_COOKIE);
    const holding = filesUnder(dataDir).filter((f) => fs.readFileSync(f).includes(needle));
    expect(holding).toEqual([]);
  });

  it('stops on a bad variable with one line naming it, and exit code 2', async () => {
    const run = runCli(['start'], { PORT: 'eighty', CALYPSO_DATA_DIR: tempDir() });
    expect(await run.exited()).toBe(2);
    expect(run.stderr()).toBe('calypso: PORT must be an integer between 1 and 65535 (got "eighty")\n');
  });

  it('prints help for every command', async () => {
    for (const args of [['--help'], ['start', '--help'], ['migrate', '--help']]) {
      const run = runCli(args, {});
      expect(await run.exited()).toBe(0);
      expect(run.stdout()).toMatch(/^Usage: calypso/);
    }
    const bad = runCli(['start', '--role', 'everything'], { CALYPSO_DATA_DIR: tempDir() });
    expect(await bad.exited()).not.toBe(0);
    expect(bad.stderr()).toMatch(/all, collector, api, worker/);
  });
});
