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
    // The dashboard's address beside the admin key, and on the serving line.
    expect(first.stdout()).toContain(`Open the dashboard at ${url}/ and sign in with it.`);
    expect(first.stdout()).toContain(`Calypso is serving on ${url} (role all); dashboard at ${url}/, GraphQL at ${url}/graphql`);
    expect(fs.statSync(path.join(dataDir, 'secrets', 'admin.key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dataDir, 'secrets', 'pseudonym.keys')).mode & 0o777).toBe(0o600);

    await gql(url, adminKey!, 'ADMINISTRATION', 'mutation { createSite(id: "shop", name: "Shop", hostnames: ["shop.example"], kAnonymity: 2) { id } }');
    const made = await gql(url, adminKey!, 'ADMINISTRATION', 'mutation { createApiKey(name: "m", purposes: [STATISTICS], sites: ["shop"]) { secret } }');
    const secret = (made.data?.createApiKey as { secret: string }).secret;
    const hit = await fetch(`${url}/collect`, { method: 'POST', headers: { 'user-agent': BROWSER_UA }, body: JSON.stringify({ events: [{ site: 'shop', url: 'https://shop.example/a', cid: RAW_COOKIE }, { site: 'shop', url: 'https://shop.example/a', cid: 'second' }] }) });
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
    expect(stats).toEqual({ data: { stats: { totals: { pageviews: 2, visitors: 2 } } } });

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
    for (const args of [['--help'], ['start', '--help'], ['migrate', '--help'], ['segment', '--help'], ['segment', 'define', '--help']]) {
      const run = runCli(args, {});
      expect(await run.exited()).toBe(0);
      expect(run.stdout()).toMatch(/^Usage: calypso/);
    }
    const bad = runCli(['start', '--role', 'everything'], { CALYPSO_DATA_DIR: tempDir() });
    expect(await bad.exited()).not.toBe(0);
    expect(bad.stderr()).toMatch(/all, collector, api, worker/);
  });
});

describe('calypso import and demo', () => {
  it('send events to a running service with progress, naming refused lines', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const env = { CALYPSO_DATA_DIR: dataDir, PORT: String(port) };
    const service = runCli(['start'], env);
    try {
      await service.waitFor(/Calypso is serving on/);
      const demo = runCli(['demo', '--visitors', '40', '--days', '3'], env);
      expect(await demo.exited()).toBe(0);
      expect(demo.stderr()).toMatch(/created site "demo"/);
      expect(demo.stdout()).toMatch(/^\d+ demo events from 40 visitors over 3 days are in site "demo"$/m);

      const file = path.join(dataDir, 'events.ndjson');
      const old = Date.now() - 30 * 86_400_000;
      fs.writeFileSync(
        file,
        [
          JSON.stringify({ site: 'demo', url: 'https://demo.calypso.example/old', ts: old, cid: 'imp-1' }),
          '{not json',
          JSON.stringify({ site: 'demo', url: 'https://elsewhere.example/', cid: 'imp-2' }),
          '',
        ].join('\n'),
      );
      const imp = runCli(['import', file], env);
      expect(await imp.exited()).toBe(1);
      expect(imp.stdout()).toMatch(/^1 events imported into http:\/\/127\.0\.0\.1:\d+ in [\d.]+ s; 2 refused$/m);
      expect(imp.stderr()).toMatch(/line 2: not valid JSON/);
      expect(imp.stderr()).toMatch(/line 3: url host "elsewhere\.example" is not a registered host name/);

      // Segments from the command line: a JSON rule, checked locally first.
      const ruleFile = path.join(dataDir, 'rule.json');
      fs.writeFileSync(ruleFile, JSON.stringify({ all: [{ lastSeen: { withinDays: 7 } }, { attribute: { dimension: 'device', in: ['desktop', 'mobile'] } }] }));
      const defined = runCli(['segment', 'define', '--site', 'demo', '--name', 'recent', '--rule', ruleFile, '--refresh'], env);
      expect(await defined.exited()).toBe(0);
      const id = /^(seg_[0-9a-f]{16}) {2}recent {2}v1 {2}LIVE {2}/m.exec(defined.stdout())?.[1];
      expect(id).toBeDefined();
      const listed = runCli(['segment', 'list', '--site', 'demo'], env);
      expect(await listed.exited()).toBe(0);
      expect(listed.stdout()).toContain(`${id}  recent  v1  LIVE`);
      fs.writeFileSync(ruleFile, JSON.stringify({ any: [{ lastSeen: { withinDays: 7 } }, { all: [] }] }));
      const badRule = runCli(['segment', 'define', '--site', 'demo', '--name', 'x', '--rule', ruleFile], env);
      expect(await badRule.exited()).toBe(1);
      expect(badRule.stderr()).toBe('calypso: bad rule: rule.any[1].all: must be a non-empty list of rules\n');
      const deleted = runCli(['segment', 'delete', id!], env);
      expect(await deleted.exited()).toBe(0);
      expect(deleted.stdout()).toBe(`deleted ${id}\n`);

      const bad = runCli(['demo', '--visitors', 'many'], env);
      expect(await bad.exited()).not.toBe(0);
      expect(bad.stderr()).toMatch(/--visitors must be an integer/);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited();
    }
    const missing = runCli(['import', path.join(dataDir, 'nothing.ndjson')], { CALYPSO_DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(await missing.exited()).toBe(1);
    expect(missing.stderr()).toMatch(/^calypso: cannot read .*nothing\.ndjson: no such file, or not readable\n$/);
    const unreachable = runCli(['import', path.join(dataDir, 'events.ndjson')], { CALYPSO_DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(await unreachable.exited()).toBe(1);
    expect(unreachable.stderr()).toMatch(/^calypso: cannot reach Calypso at http:\/\/127\.0\.0\.1:\d+: start it \(npm start\) or pass --url\n$/);
  });
});
