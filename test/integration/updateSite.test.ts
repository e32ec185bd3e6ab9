// updateSite: each setting changes alone (the others kept), validation names the field as createSite's
// does, a site-bound key changes only its own sites, the collector follows the new host names at once
// (and another instance's copy within its refresh window), and a new k applies to statistics at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSiteStore } from '../../src/sites/siteStore.ts';
import { eventually, siteWithKey, startTestService, type TestService } from '../support/testService.ts';

const FIELDS = 'id name hostnames timezone kAnonymity retentionDays defaultConsent { statistics personalization advertising thirdParty } createdAt';
type SiteView = { id: string; name: string; hostnames: string[]; timezone: string; kAnonymity: number; retentionDays: number; defaultConsent: Record<string, boolean>; createdAt: string };
const DAY = new Date().toISOString().slice(0, 10);

describe('updateSite', () => {
  let svc: TestService;
  let ownKey: string;
  const admin = (q: string, v?: Record<string, unknown>) => svc.gql<{ updateSite: SiteView }>(svc.adminKey, 'ADMINISTRATION', q, v);
  const update = (args: string, key = svc.adminKey) => svc.gql<{ updateSite: SiteView }>(key, 'ADMINISTRATION', `mutation { updateSite(${args}) { ${FIELDS} } }`);

  beforeAll(async () => {
    svc = await startTestService();
    ownKey = await siteWithKey(svc, 'own', ['ADMINISTRATION', 'STATISTICS'], ', kAnonymity: 2');
    expect((await admin('mutation { createSite(id: "other", name: "Other", hostnames: ["other.example"]) { id } }')).errors).toBeUndefined();
  });
  afterAll(() => svc?.stop());

  it('changes each setting alone and keeps the others', async () => {
    const before = (await svc.gql<{ sites: SiteView[] }>(svc.adminKey, 'ADMINISTRATION', `{ sites { ${FIELDS} } }`)).data!.sites.find((s) => s.id === 'other')!;
    const steps: Array<[string, Partial<SiteView>]> = [
      ['name: "Other shop"', { name: 'Other shop' }],
      ['hostnames: ["Other.example", "www.other.example"]', { hostnames: ['other.example', 'www.other.example'] }],
      ['timezone: "Europe/Moscow"', { timezone: 'Europe/Moscow' }],
      ['kAnonymity: 25', { kAnonymity: 25 }],
      ['retentionDays: 30', { retentionDays: 30 }],
      ['defaultConsent: { statistics: true, personalization: true }', { defaultConsent: { statistics: true, personalization: true, advertising: false, thirdParty: false } }],
    ];
    let expected = before;
    for (const [args, change] of steps) {
      const r = await update(`id: "other", ${args}`);
      expect(r.errors, args).toBeUndefined();
      expected = { ...expected, ...change };
      expect(r.data!.updateSite).toEqual(expected);
    }
    // Omitting everything changes nothing; the list (a fresh read of the table) holds the last row.
    expect((await update('id: "other"')).data!.updateSite).toEqual(expected);
    const listed = (await svc.gql<{ sites: SiteView[] }>(svc.adminKey, 'ADMINISTRATION', `{ sites { ${FIELDS} } }`)).data!.sites;
    expect(listed.find((s) => s.id === 'other')).toEqual(expected);
  });

  it('refuses bad values naming the field, as createSite does, and changes nothing', async () => {
    const cases: Array<[string, string]> = [
      ['name: "  "', 'name'],
      ['hostnames: []', 'hostnames'],
      ['hostnames: ["ok.example", "bad host"]', 'hostnames[1]'],
      ['timezone: "Mars/Olympus"', 'timezone'],
      ['kAnonymity: 1', 'kAnonymity'],
      ['retentionDays: 0', 'retentionDays'],
    ];
    for (const [args, field] of cases) {
      const r = await update(`id: "own", ${args}`);
      expect(r.errors?.[0]?.extensions, args).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(r.errors?.[0]?.message).toContain(field);
    }
    const missing = await update('id: "nope", name: "x"');
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const own = (await svc.gql<{ sites: SiteView[] }>(svc.adminKey, 'ADMINISTRATION', '{ sites { id name kAnonymity } }')).data!.sites.find((s) => s.id === 'own');
    expect(own).toEqual({ id: 'own', name: 'own', kAnonymity: 2 });
  });

  it('lets a site-bound key change its own site only', async () => {
    const mine = await update('id: "own", name: "Mine"', ownKey);
    expect(mine.errors).toBeUndefined();
    expect(mine.data!.updateSite.name).toBe('Mine');
    for (const id of ['other', 'nope']) {
      const r = await update(`id: "${id}", name: "Taken"`, ownKey);
      expect(r.errors?.[0]?.extensions?.code, id).toBe('FORBIDDEN');
    }
    const other = (await svc.gql<{ sites: SiteView[] }>(svc.adminKey, 'ADMINISTRATION', '{ sites { id name } }')).data!.sites.find((s) => s.id === 'other');
    expect(other?.name).not.toBe('Taken');
  });

  it('the collector takes a new host name and refuses a removed one at once; another instance follows within its refresh window', async () => {
    const elsewhere = createSiteStore(svc.store, { refreshMs: 200 });
    expect((await elsewhere.get('own'))?.hostnames).toEqual(['own.example']);
    const hit = async (host: string) => (await svc.collect({ site: 'own', url: `https://${host}/page`, cid: 'c1', consent: { statistics: true } })).body;
    expect((await hit('own.example')).accepted).toBe(1);
    expect((await hit('new.example')).accepted).toBe(0);

    expect((await update('id: "own", hostnames: ["new.example"]')).errors).toBeUndefined();
    expect((await hit('new.example')).accepted).toBe(1);
    const refused = await hit('own.example');
    expect(refused.accepted).toBe(0);
    expect(refused.rejected[0]?.error).toContain('not a registered host name');

    const seen = await eventually(
      async () => (await elsewhere.get('own'))?.hostnames,
      (h) => h?.[0] === 'new.example',
    );
    expect(seen).toEqual(['new.example']);
    expect(await elsewhere.isRegisteredHost('own.example')).toBe(false);
  });

  it('a new k applies to statistics at once, cached answers notwithstanding', async () => {
    expect((await svc.gql(svc.adminKey, 'ADMINISTRATION', 'mutation { createSite(id: "kay", name: "Kay", hostnames: ["kay.example"], kAnonymity: 2) { id } }')).errors).toBeUndefined();
    for (const cid of ['v1', 'v2']) {
      expect((await svc.collect({ site: 'kay', url: 'https://kay.example/', cid, consent: { statistics: true } })).status).toBe(202);
    }
    await svc.flush();
    const key = (await svc.gql<{ createApiKey: { secret: string } }>(svc.adminKey, 'ADMINISTRATION', 'mutation { createApiKey(name: "s", purposes: [STATISTICS], sites: ["kay"]) { secret } }')).data!.createApiKey.secret;
    const read = async () => {
      const r = await svc.gql<{ stats: { rows: Array<{ page: string; visitors: number }>; suppressedRows: number } }>(key, 'STATISTICS', `{ stats(site: "kay", from: "${DAY}", to: "${DAY}") { rows { page visitors } suppressedRows } }`);
      expect(r.errors).toBeUndefined();
      return r.data!.stats;
    };
    expect(await read()).toEqual({ rows: [{ page: '/', visitors: 2 }], suppressedRows: 0 });
    expect(await read()).toEqual({ rows: [{ page: '/', visitors: 2 }], suppressedRows: 0 });
    expect((await update('id: "kay", kAnonymity: 3')).errors).toBeUndefined();
    expect(await read()).toEqual({ rows: [], suppressedRows: 1 });
  });

  it('a shorter retention applies to the events already stored; a longer one to new events only', async () => {
    expect((await admin('mutation { createSite(id: "keep", name: "Keep", hostnames: ["keep.example"], retentionDays: 395) { id } }')).errors).toBeUndefined();
    const ago = (days: number) => Date.now() - days * 86_400_000;
    const res = await fetch(`${svc.url}/v1/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION' },
      body: [100, 10, 0].map((d) => JSON.stringify({ site: 'keep', url: `https://keep.example/d${d}`, ts: ago(d), cid: `c${d}` })).join('\n'),
    });
    expect(await res.json()).toEqual({ accepted: 3, rejected: [] });
    await svc.flush();
    const rows = () => svc.store.query<{ path: string; retention_days: number }>("SELECT path, retention_days FROM events WHERE site = 'keep' ORDER BY path");
    expect((await rows()).map((r) => [r.path, Number(r.retention_days)])).toEqual([['/d0', 395], ['/d10', 395], ['/d100', 395]]);

    expect((await update('id: "keep", retentionDays: 30')).errors).toBeUndefined();
    const after = await eventually(rows, (r) => r.every((x) => Number(x.retention_days) === 30));
    expect(after.map((r) => [r.path, Number(r.retention_days)])).toEqual([['/d0', 30], ['/d10', 30]]);

    expect((await update('id: "keep", retentionDays: 60')).errors).toBeUndefined();
    expect((await rows()).map((r) => [r.path, Number(r.retention_days)])).toEqual([['/d0', 30], ['/d10', 30]]);
  });
});
