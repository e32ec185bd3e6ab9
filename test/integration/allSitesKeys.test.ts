// Keys for every site (createApiKey allSites): what an administrator makes on a fresh install, before any
// site exists (issue 13, acceptance 1: a statistics key made first, `calypso demo` after). Only a key
// that reaches every site may make one; it reads sites made after it; site-bound keys cannot see or
// revoke it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/testService.ts';

type Made = { createApiKey: { id: string; secret: string; key: { sites: string[]; allSites: boolean } } };
const MAKE = 'mutation($s: [ID!], $all: Boolean, $p: [Purpose!]!) { createApiKey(name: "k", purposes: $p, sites: $s, allSites: $all) { id secret key { sites allSites } } }';
const day = new Date().toISOString().slice(0, 10);

describe('keys for every site', () => {
  let svc: TestService;
  const admin = <T>(q: string, v?: Record<string, unknown>) => svc.gql<T>(svc.adminKey, 'ADMINISTRATION', q, v);

  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc?.stop());

  it('is made before any site exists and reads a site made after it', async () => {
    const made = await admin<Made>(MAKE, { all: true, p: ['STATISTICS'] });
    expect(made.errors).toBeUndefined();
    expect(made.data!.createApiKey.key).toEqual({ sites: [], allSites: true });
    const secret = made.data!.createApiKey.secret;
    expect((await admin('mutation { createSite(id: "later", name: "Later", hostnames: ["later.example"], kAnonymity: 2) { id } }')).errors).toBeUndefined();
    const read = await svc.gql<{ stats: { totals: { pageviews: number | null } } }>(secret, 'STATISTICS', `{ stats(site: "later", from: "${day}", to: "${day}") { totals { pageviews } } }`);
    expect(read.errors).toBeUndefined();
    expect(read.data!.stats.totals).toBeDefined();
    const listed = await admin<{ apiKeys: Array<{ id: string; sites: string[]; allSites: boolean }> }>('{ apiKeys { id sites allSites } }');
    expect(listed.data!.apiKeys.find((k) => k.id === made.data!.createApiKey.id)).toMatchObject({ sites: [], allSites: true });
  });

  it('refuses sites and allSites together, and neither', async () => {
    const both = await admin(MAKE, { all: true, s: ['later'], p: ['STATISTICS'] });
    expect(both.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sites' });
    const neither = await admin(MAKE, { p: ['STATISTICS'] });
    expect(neither.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sites' });
  });

  it('is beyond a site-bound administrator: it cannot make, list or revoke one', async () => {
    await admin('mutation { createSite(id: "bound", name: "Bound", hostnames: ["bound.example"], kAnonymity: 2) { id } }');
    const bound = await admin<Made>(MAKE, { s: ['bound'], p: ['ADMINISTRATION'] });
    const boundSecret = bound.data!.createApiKey.secret;
    const tried = await svc.gql(boundSecret, 'ADMINISTRATION', MAKE, { all: true, p: ['STATISTICS'] });
    expect(tried.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const global = await admin<Made>(MAKE, { all: true, p: ['STATISTICS'] });
    const seen = await svc.gql<{ apiKeys: Array<{ id: string }> }>(boundSecret, 'ADMINISTRATION', '{ apiKeys { id } }');
    expect(seen.data!.apiKeys.map((k) => k.id)).not.toContain(global.data!.createApiKey.id);
    const revoke = await svc.gql(boundSecret, 'ADMINISTRATION', `mutation { revokeApiKey(id: "${global.data!.createApiKey.id}") }`);
    expect(revoke.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
