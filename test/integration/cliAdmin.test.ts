// The administrators' commands as a user runs them, against a running `calypso start`: site
// create/list/update, key create/list/revoke, flags checked before sending, and `demo` ending with the
// dashboard's address and a statistics key that reads the demo site.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliProcess } from '../support/cliProcess.ts';
import { freePort } from '../support/ports.ts';
import { eventually, tempDir } from '../support/testService.ts';

async function gql(url: string, key: string, purpose: string, query: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-calypso-purpose': purpose },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

describe('calypso site, key and demo', () => {
  let service: CliProcess;
  let env: Record<string, string>;
  let url: string;

  /** Runs a command to its end: exit code, stdout, stderr. */
  const cli = async (...args: string[]) => {
    const run = runCli(args, env);
    const code = await run.exited();
    return { code, out: run.stdout(), err: run.stderr() };
  };

  beforeAll(async () => {
    const port = await freePort();
    env = { CALYPSO_DATA_DIR: tempDir(), PORT: String(port) };
    url = `http://127.0.0.1:${port}`;
    service = runCli(['start'], env);
    await service.waitFor(/Calypso is serving on/);
  }, 120_000);
  afterAll(async () => {
    service?.child.kill('SIGTERM');
    await service?.exited();
  });

  it('creates, lists and updates sites, as a table and as JSON', async () => {
    const empty = await cli('site', 'list');
    expect(empty).toMatchObject({ code: 0, out: 'no sites yet: calypso site create --id ID --name NAME --host HOST\n' });

    const made = await cli('site', 'create', '--id', 'shop', '--name', 'Shop', '--host', 'shop.example', '--host', 'WWW.Shop.example', '--k', '3');
    expect(made.code, made.err).toBe(0);
    const lines = made.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +HOSTS +K +RETENTION +TIMEZONE +DEFAULT CONSENT +CREATED$/);
    expect(lines[1]).toMatch(/^shop +Shop +shop\.example,www\.shop\.example +3 +395 days +UTC +statistics +\d{4}-\d\d-\d\d$/);

    const changed = await cli('site', 'update', 'shop', '--name', 'Shop two', '--host', 'new.example', '--timezone', 'Europe/Moscow', '--retention', '30', '--k', '4');
    expect(changed.code, changed.err).toBe(0);
    expect(changed.out).toMatch(/^shop +Shop two +new\.example +4 +30 days +Europe\/Moscow +statistics /m);

    const json = await cli('site', 'list', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual([
      {
        id: 'shop',
        name: 'Shop two',
        hostnames: ['new.example'],
        timezone: 'Europe/Moscow',
        kAnonymity: 4,
        retentionDays: 30,
        defaultConsent: { statistics: true, personalization: false, advertising: false, thirdParty: false },
        createdAt: expect.stringMatching(/Z$/),
      },
    ]);
    // Only the name changes; the rest is kept.
    const renamed = await cli('site', 'update', 'shop', '--name', 'Shop three', '--json');
    expect(JSON.parse(renamed.out)).toMatchObject({ name: 'Shop three', hostnames: ['new.example'], kAnonymity: 4, retentionDays: 30 });
  });

  it('refuses a bad flag with one line naming it and what it expects, before sending anything', async () => {
    const cases: Array<[string[], string]> = [
      [['site', 'create', '--id', 'Bad Id', '--name', 'x', '--host', 'x.example'], 'calypso: --id must be 1–63 lower-case letters, digits, "-" or "_", starting with a letter or digit\n'],
      [['site', 'create', '--id', 'b', '--name', 'x', '--host', 'bad host'], 'calypso: --host must be a bare host name such as "shop.example" (got "bad host")\n'],
      [['site', 'create', '--id', 'b', '--name', 'x', '--host', 'x.example', '--k', '1'], 'calypso: --k must be an integer from 2 to 10000\n'],
      [['site', 'create', '--id', 'b', '--name', 'x', '--host', 'x.example', '--timezone', 'Mars/Olympus'], 'calypso: --timezone must be an IANA time zone such as "Europe/Moscow" (got "Mars/Olympus")\n'],
      [['site', 'update', 'shop', '--retention', '0'], 'calypso: --retention must be an integer from 1 to 3650\n'],
      [['site', 'update', 'shop'], 'calypso: site update needs at least one of --name, --host, --k, --retention, --timezone\n'],
      [['site', 'update', 'nope', '--name', 'x'], 'calypso: site "nope" does not exist\n'],
      [['key', 'create', '--name', 'k', '--purpose', 'stats', '--site', 'shop'], 'calypso: --purpose expects one of STATISTICS, ADVERTISING, PERSONALIZATION, SUBJECT_REQUEST, LEGAL_OBLIGATION, ADMINISTRATION (got "STATS")\n'],
      [['key', 'create', '--name', 'k', '--purpose', 'STATISTICS', '--site', 'nope'], 'calypso: --site: site "nope" does not exist\n'],
      [['key', 'create', '--name', 'k', '--purpose', 'STATISTICS'], 'calypso: --site is required: a site id (see calypso site list), or --all-sites\n'],
      [['key', 'create', '--name', 'k', '--purpose', 'STATISTICS', '--site', 'shop', '--all-sites'], 'calypso: --all-sites and --site exclude each other: give one\n'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toBe(message);
    }
    const notNumber = await cli('site', 'create', '--id', 'b', '--name', 'x', '--host', 'x.example', '--k', 'many');
    expect(notNumber.code).toBe(1);
    expect(notNumber.err).toMatch(/--k expects an integer from 2 to 10000 \(got "many"\)/);
    const noHost = await cli('site', 'create', '--id', 'b', '--name', 'x');
    expect(noHost.code).toBe(1);
    expect(noHost.err).toMatch(/required option '--host <name>' not specified/);
    // Nothing was made by any of them.
    expect(JSON.parse((await cli('site', 'list', '--json')).out).map((s: { id: string }) => s.id)).toEqual(['shop']);
  });

  it('creates a key printing its secret once, lists keys without secrets, revokes one', async () => {
    const made = await cli('key', 'create', '--name', 'marketing', '--purpose', 'statistics', '--site', 'shop');
    expect(made.code, made.err).toBe(0);
    const [, id, secret] = /^Created API key (key_[0-9a-f]+) "marketing" \(STATISTICS; sites shop\)\.\nIts secret is printed only this once.*\n\n {2}(cly_\S+)\n\n$/.exec(made.out) ?? [];
    expect(secret).toBeDefined();
    expect((await gql(url, secret!, 'STATISTICS', '{ sites { id } }')).data).toEqual({ sites: [{ id: 'shop' }] });

    const listed = await cli('key', 'list');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^ID +NAME +PURPOSES +SITES +CREATED +STATUS$/m);
    expect(listed.out).toMatch(new RegExp(`^${id} +marketing +STATISTICS +shop +\\d{4}-\\d\\d-\\d\\d +live$`, 'm'));
    expect(listed.out).not.toContain(secret);
    const asJson = JSON.parse((await cli('key', 'list', '--json')).out) as Array<{ id: string; revokedAt: string | null }>;
    expect(asJson.find((k) => k.id === id)).toMatchObject({ revokedAt: null });

    const revoked = await cli('key', 'revoke', id!);
    expect(revoked).toMatchObject({ code: 0, out: `revoked ${id}\n` });
    expect((await gql(url, secret!, 'STATISTICS', '{ sites { id } }')).errors?.[0]?.extensions?.code).toBe('KEY_REVOKED');
    expect((await cli('key', 'list')).out).toMatch(new RegExp(`^${id} .* revoked \\d{4}-\\d\\d-\\d\\d$`, 'm'));
    const again = await cli('key', 'revoke', id!);
    expect(again).toMatchObject({ code: 1, err: `calypso: key ${id} is not a live key (unknown, or revoked already)\n` });

    const scripted = JSON.parse((await cli('key', 'create', '--name', 'two', '--purpose', 'STATISTICS,ADVERTISING', '--site', 'shop', '--json')).out) as { id: string; secret: string; purposes: string[] };
    expect(scripted).toMatchObject({ id: expect.stringMatching(/^key_/), secret: expect.stringMatching(/^cly_/), purposes: ['STATISTICS', 'ADVERTISING'] });

    // A key for every site, those made later included.
    const all = await cli('key', 'create', '--name', 'everywhere', '--purpose', 'STATISTICS', '--all-sites');
    expect(all.code, all.err).toBe(0);
    expect(all.out).toMatch(/^Created API key key_[0-9a-f]+ "everywhere" \(STATISTICS; every site\)\./);
    expect((await cli('key', 'list')).out).toMatch(/^key_[0-9a-f]+ +everywhere +STATISTICS +\* +/m);
  });

  it('demo ends with the dashboard address and a statistics key that reads the demo site', async () => {
    const demo = await cli('demo', '--visitors', '30', '--days', '2');
    expect(demo.code, demo.err).toBe(0);
    expect(demo.out).toContain(`Open the dashboard at ${url}/ and sign in with this statistics key for site "demo"`);
    const [, id, secret] = /\(key (key_[0-9a-f]+) "demo statistics"; printed only this once.*\n\n {2}(cly_\S+)\n\n$/.exec(demo.out) ?? [];
    expect(secret).toBeDefined();
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    // The events reach ClickHouse at the next flush of the spool.
    const visits = await eventually(
      async () => {
        const stats = await gql(url, secret!, 'STATISTICS', `{ stats(site: "demo", from: "${day(7)}", to: "${day(0)}") { totals { visits } } }`);
        expect(stats.errors).toBeUndefined();
        return (stats.data as { stats: { totals: { visits: number | null } } }).stats.totals.visits ?? 0;
      },
      (n) => n > 0,
      20_000,
    );
    expect(visits).toBeGreaterThan(0);
    const keys = JSON.parse((await cli('key', 'list', '--json')).out) as Array<{ id: string; name: string; purposes: string[]; sites: string[] }>;
    expect(keys.find((k) => k.id === id)).toMatchObject({ name: 'demo statistics', purposes: ['STATISTICS'], sites: ['demo'] });
  });

  it('demo into a site made beforehand sends its traffic on that site\'s host name', async () => {
    // "shop" was made above with its own host names (not shop.calypso.example): hits on any other host are refused.
    const demo = await cli('demo', '--site', 'shop', '--visitors', '20', '--days', '2');
    expect(demo.code, demo.err).toBe(0);
    expect(demo.err).toContain('site "shop" exists; adding traffic to it (new.example)');
    expect(demo.out).toMatch(/^[1-9]\d* demo events from 20 visitors over 2 days are in site "shop"$/m);
  });

  it('prints help for each command', async () => {
    for (const args of [['site', '--help'], ['site', 'create', '--help'], ['site', 'list', '--help'], ['site', 'update', '--help'], ['key', '--help'], ['key', 'create', '--help'], ['key', 'list', '--help'], ['key', 'revoke', '--help']]) {
      const run = await cli(...args);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.out).toMatch(/^Usage: calypso (site|key)/);
    }
  });
});
