// Acceptance 4: a wrong purpose, a missing key, a revoked key, a site outside the key's list each get
// a distinct code and nothing else; every operation is audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, siteWithKey, startTestService, type TestService } from '../support/testService.ts';

const SITES = '{ sites { id name } }';
const STATS = '{ stats(site: "shop", from: "2026-11-01", to: "2026-11-02") { totals { pageviews } } }';

describe('access', () => {
  let svc: TestService;
  let statsKey: string;
  beforeAll(async () => {
    svc = await startTestService();
    statsKey = await siteWithKey(svc, 'shop', ['STATISTICS']);
    await siteWithKey(svc, 'other', ['STATISTICS']);
  });
  afterAll(() => svc?.stop());

  const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.map((e) => e.extensions?.code);

  it('answers a key with an allowed purpose, listing only its own sites', async () => {
    const r = await svc.gql<{ sites: Array<{ id: string }> }>(statsKey, 'STATISTICS', SITES);
    expect(r.errors).toBeUndefined();
    expect(r.data?.sites.map((s) => s.id)).toEqual(['shop']);
  });

  it('gives each denial its own code and returns no data', async () => {
    const missing = await svc.gql(undefined, 'STATISTICS', STATS);
    const unknown = await svc.gql('cly_not-a-real-key', 'STATISTICS', STATS);
    const noPurpose = await svc.gql(statsKey, undefined, STATS);
    const wrongPurpose = await svc.gql(statsKey, 'ADVERTISING', STATS);
    const fieldPurpose = await svc.gql(svc.adminKey, 'ADMINISTRATION', STATS);
    const otherSite = await svc.gql(statsKey, 'STATISTICS', STATS.replace('"shop"', '"other"'));
    expect(codeOf(missing)).toEqual(['UNAUTHENTICATED']);
    expect(missing.status).toBe(401);
    expect(codeOf(unknown)).toEqual(['UNAUTHENTICATED']);
    expect(codeOf(noPurpose)).toEqual(['PURPOSE_REQUIRED']);
    expect(codeOf(wrongPurpose)).toEqual(['PURPOSE_NOT_ALLOWED']);
    expect(codeOf(fieldPurpose)).toEqual(['PURPOSE_NOT_ALLOWED']);
    expect(codeOf(otherSite)).toEqual(['FORBIDDEN']);
    for (const r of [missing, unknown, noPurpose, wrongPurpose, fieldPurpose, otherSite]) expect(r.data).toBeNull();
  });

  it('stops a revoked key at once with KEY_REVOKED', async () => {
    const made = await svc.gql<{ createApiKey: { id: string; secret: string } }>(
      svc.adminKey,
      'ADMINISTRATION',
      'mutation { createApiKey(name: "temp", purposes: [STATISTICS, ADVERTISING], sites: ["shop"]) { id secret } }',
    );
    const { id, secret } = made.data!.createApiKey;
    // The look-up fast path too: the key's digest is remembered after these, its revocation must still count.
    const lookup = () => fetch(`${svc.url}/v1/segments?site=shop&cookie=c1`, { headers: { authorization: `Bearer ${secret}`, 'x-calypso-purpose': 'ADVERTISING' } });
    expect((await svc.gql(secret, 'STATISTICS', SITES)).errors).toBeUndefined();
    expect((await lookup()).status).toBe(200);
    const revoked = await svc.gql<{ revokeApiKey: boolean }>(svc.adminKey, 'ADMINISTRATION', `mutation { revokeApiKey(id: "${id}") }`);
    expect(revoked.data?.revokeApiKey).toBe(true);
    const after = await svc.gql(secret, 'STATISTICS', SITES);
    expect(codeOf(after)).toEqual(['KEY_REVOKED']);
    expect(after.data).toBeNull();
    const refused = await lookup();
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('KEY_REVOKED');
    const again = await svc.gql<{ revokeApiKey: boolean }>(svc.adminKey, 'ADMINISTRATION', `mutation { revokeApiKey(id: "${id}") }`);
    expect(again.data?.revokeApiKey).toBe(false);
  });

  it('keeps secrets as SHA-256 only and never lists them', async () => {
    const made = await svc.gql<{ createApiKey: { secret: string } }>(
      svc.adminKey,
      'ADMINISTRATION',
      'mutation { createApiKey(name: "hashed", purposes: [STATISTICS], sites: ["shop"]) { secret } }',
    );
    const secret = made.data!.createApiKey.secret;
    const rows = await svc.store.query<{ n: string }>('SELECT count() AS n FROM api_keys WHERE position(toString(tuple(*)), {s:String}) > 0', { s: secret });
    expect(rows[0]?.n).toBe('0');
    const listed = await svc.gql<{ apiKeys: Array<{ name: string }> }>(svc.adminKey, 'ADMINISTRATION', '{ apiKeys { name purposes sites } }');
    expect(listed.data?.apiKeys.map((k) => k.name)).toContain('hashed');
  });

  it('refuses bad admin input naming the field', async () => {
    const dup = await svc.gql(svc.adminKey, 'ADMINISTRATION', 'mutation { createSite(id: "shop", name: "x", hostnames: ["a.example"]) { id } }');
    expect(dup.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'id' });
    const tz = await svc.gql(svc.adminKey, 'ADMINISTRATION', 'mutation { createSite(id: "tz", name: "x", hostnames: ["a.example"], timezone: "Mars/Base") { id } }');
    expect(tz.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'timezone' });
    const key = await svc.gql(svc.adminKey, 'ADMINISTRATION', 'mutation { createApiKey(name: "k", purposes: [STATISTICS], sites: ["nosuch"]) { id } }');
    expect(key.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sites[0]' });
  });

  it('writes one audit row per operation, denied ones included (summed per second: "×n")', async () => {
    await svc.gql(statsKey, 'ADVERTISING', STATS.replace('{ stats', 'query DeniedProbe { stats'));
    await svc.gql(statsKey, 'STATISTICS', SITES.replace('{ sites', 'query AllowedProbe { sites'));
    type Row = { operation: string; outcome: string; code: string; purpose: string; fields: string[]; sites: string[] };
    const rows = await eventually(
      () => svc.store.query<Row>("SELECT operation, outcome, code, purpose, fields, sites FROM audit_log WHERE operation IN ('DeniedProbe ×1', 'AllowedProbe') ORDER BY operation"),
      (r) => r.length === 2,
    );
    expect(rows).toEqual([
      { operation: 'AllowedProbe', outcome: 'allowed', code: '', purpose: 'STATISTICS', fields: ['Query.sites'], sites: [] },
      { operation: 'DeniedProbe ×1', outcome: 'denied', code: 'PURPOSE_NOT_ALLOWED', purpose: 'ADVERTISING', fields: ['Query.stats'], sites: ['shop'] },
    ]);

    // The same trail through auditLog, newest first, filtered by purpose; only under ADMINISTRATION.
    const day = new Date().toISOString().slice(0, 10);
    type Entry = { operation: string; outcome: string; code: string | null; keyId: string };
    const log = await svc.gql<{ auditLog: Entry[] }>(svc.adminKey, 'ADMINISTRATION', `{ auditLog(from: "${day}", to: "${day}", purpose: ADVERTISING) { operation outcome code keyId } }`);
    expect(log.errors).toBeUndefined();
    expect(log.data?.auditLog.find((e) => e.operation === 'DeniedProbe ×1')).toMatchObject({ outcome: 'denied', code: 'PURPOSE_NOT_ALLOWED' });
    expect(log.data?.auditLog.every((e) => e.operation !== 'AllowedProbe')).toBe(true);
    const refused = await svc.gql(statsKey, 'STATISTICS', `{ auditLog(from: "${day}", to: "${day}") { operation } }`);
    expect(codeOf(refused)).toEqual(['PURPOSE_NOT_ALLOWED']);
  });
});
