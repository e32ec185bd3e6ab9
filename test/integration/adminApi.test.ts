// What the administration screen needs of the API beyond what it had: the privacy page's query (every
// purpose may read it) and paging and an outcome filter for the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PURPOSES } from '../../src/access/purposes.ts';
import { recordOfProcessing } from '../../src/subjects/recordOfProcessing.ts';
import { eventually, startTestService, type TestService } from '../support/testService.ts';

const NOTICE = '{ privacyNotice { contact records { table holds kept why } } }';
const day = new Date().toISOString().slice(0, 10);
const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();

type Entry = { time: string; operation: string; outcome: string; keyId: string };

describe('the administration API', () => {
  let svc: TestService;
  let keys: Record<string, string> = {};
  let statsKeyId = '';

  beforeAll(async () => {
    svc = await startTestService({ env: { CALYPSO_CONTACT_EMAIL: 'privacy@shop.example' } });
    const site = await svc.gql(svc.adminKey, 'ADMINISTRATION', 'mutation { createSite(id: "shop", name: "Shop", hostnames: ["shop.example"]) { id } }');
    expect(site.errors).toBeUndefined();
    // One key per purpose, each bound to the site: the page is for every signed-in key.
    keys = {};
    for (const p of PURPOSES) {
      const r = await svc.gql<{ createApiKey: { id: string; secret: string } }>(svc.adminKey, 'ADMINISTRATION', `mutation { createApiKey(name: "${p}", purposes: [${p}], sites: ["shop"]) { id secret } }`);
      expect(r.errors).toBeUndefined();
      keys[p] = r.data!.createApiKey.secret;
      if (p === 'STATISTICS') statsKeyId = r.data!.createApiKey.id;
    }
  });

  afterAll(async () => {
    await svc?.stop();
  });

  it('answers the privacy notice to a key of every purpose, in English and Russian, with the contact', async () => {
    for (const p of PURPOSES) {
      const r = await svc.gql<{ privacyNotice: { contact: string | null; records: unknown[] } }>(keys[p], p, NOTICE);
      expect(r.errors, p).toBeUndefined();
      expect(r.data?.privacyNotice).toEqual({ contact: 'privacy@shop.example', records: recordOfProcessing('en') });
    }
    const ru = await svc.gql<{ privacyNotice: { records: Array<{ table: string; why: string }> } }>(keys.STATISTICS, 'STATISTICS', '{ privacyNotice(language: RU) { records { table why } } }');
    expect(ru.data?.privacyNotice.records).toEqual(recordOfProcessing('ru').map((r) => ({ table: r.table, why: r.why })));
    expect(ru.data?.privacyNotice.records.find((r) => r.table === '`consent_log`')?.why).toBe('подтверждение согласия (152-ФЗ ст. 9)');
    // Still a key's business: none, none.
    const anonymous = await svc.gql(undefined, 'STATISTICS', NOTICE);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('gives the retention report policies in the language asked for, English by default', async () => {
    type Report = { retentionReport: Array<{ table: string; policy: string }> };
    const en = await svc.gql<Report>(svc.adminKey, 'ADMINISTRATION', '{ retentionReport(site: "shop") { table policy } }');
    const ru = await svc.gql<Report>(svc.adminKey, 'ADMINISTRATION', '{ retentionReport(site: "shop", language: RU) { table policy } }');
    expect(ru.errors).toBeUndefined();
    expect(ru.data?.retentionReport.map((r) => r.table)).toEqual(en.data?.retentionReport.map((r) => r.table));
    expect(en.data?.retentionReport[0]?.policy).toMatch(/^395 days \(the site's retentionDays\)/);
    expect(ru.data?.retentionReport[0]?.policy).toMatch(/^395 дн\. \(retentionDays сайта\)/);
    expect(ru.data?.retentionReport.find((r) => r.table === 'consent_log')?.policy).toContain('подтверждение согласия, 152-ФЗ ст. 9');
  });

  it('pages the audit log with offset under a fixed `to`, and filters it by outcome', async () => {
    // One key's rows: the administrator's own reads (audited too) do not slip in between the pages.
    for (let i = 0; i < 5; i++) await svc.gql(keys.STATISTICS, 'STATISTICS', `query Page${i} { sites { id } }`);
    for (let i = 0; i < 2; i++) await svc.gql(keys.STATISTICS, 'ADVERTISING', `query Refused${i} { sites { id } }`);
    const to = new Date(Date.now() + 60_000).toISOString();
    const log = (args: string) => svc.gql<{ auditLog: Entry[] }>(svc.adminKey, 'ADMINISTRATION', `{ auditLog(from: "${hourAgo()}", to: "${to}", keyId: "${statsKeyId}", ${args}) { time operation outcome keyId } }`);
    const all = await eventually(
      () => log('limit: 1000'),
      (r) => ['Page4', 'Refused1 ×1'].every((op) => r.data?.auditLog.some((e) => e.operation.startsWith(op.split(' ')[0]!)) === true),
    );
    expect(all.errors).toBeUndefined();
    const whole = all.data!.auditLog;
    expect(whole.length).toBeGreaterThanOrEqual(7);
    // Two pages of 3 are the first 6 rows of the whole, in order, none twice.
    const pages: Entry[] = [];
    for (let offset = 0; offset < 6; offset += 3) {
      const page = await log(`limit: 3, offset: ${offset}`);
      expect(page.errors).toBeUndefined();
      pages.push(...page.data!.auditLog);
    }
    expect(pages).toEqual(whole.slice(0, 6));
    const past = await log('limit: 3, offset: 100000');
    expect(past.data?.auditLog).toEqual([]);

    const denied = await log('outcome: "denied", limit: 1000');
    expect(denied.errors).toBeUndefined();
    expect(denied.data!.auditLog.length).toBeGreaterThan(0);
    expect(denied.data!.auditLog.every((e) => e.outcome === 'denied')).toBe(true);
    expect(denied.data!.auditLog.some((e) => e.operation.startsWith('Refused'))).toBe(true);
    const allowed = await log('outcome: "allowed", limit: 1000');
    expect(allowed.data!.auditLog.some((e) => e.operation === 'Page4')).toBe(true);
    expect(allowed.data!.auditLog.every((e) => e.outcome === 'allowed')).toBe(true);
  });

  it('records a refused mutation as an error that the outcome filter finds', async () => {
    const bad = await svc.gql(svc.adminKey, 'ADMINISTRATION', 'mutation BadZone($tz: String) { createSite(id: "zone", name: "Zone", hostnames: ["zone.example"], timezone: $tz) { id } }', { tz: 'Mars/Base' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'timezone' });
    await svc.flush();
    const rows = await svc.store.query<{ outcome: string; code: string }>("SELECT outcome, code FROM audit_log WHERE operation = 'BadZone'");
    expect(rows).toEqual([{ outcome: 'error', code: 'BAD_USER_INPUT' }]);
  });

  it('refuses an offset or outcome out of bounds, naming the field', async () => {
    const field = async (args: string) => {
      const r = await svc.gql(svc.adminKey, 'ADMINISTRATION', `{ auditLog(from: "${day}", to: "${day}", ${args}) { time } }`);
      return r.errors?.[0]?.extensions;
    };
    expect(await field('offset: -1')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'offset' });
    expect(await field('offset: 100001')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'offset' });
    expect(await field('outcome: "maybe"')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'outcome' });
  });

  it('names the rule an input broke, with its params, beside the English message (extensions.rule, params)', async () => {
    const create = async (args: string) => {
      const r = await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { createSite(id: "rules", name: "Rules", ${args}) { id } }`);
      return r.errors?.[0];
    };
    const k = await create('hostnames: ["rules.example"], kAnonymity: 1');
    expect(k?.message).toBe('kAnonymity must be an integer from 2 to 10000');
    expect(k?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'kAnonymity', rule: 'range', params: { min: 2, max: 10_000 } });
    const host = await create('hostnames: ["rules.example", "http://x/"]');
    expect(host?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'hostnames[1]', rule: 'format', params: { format: 'hostname', got: 'http://x/' } });
    const outcome = await svc.gql(svc.adminKey, 'ADMINISTRATION', `{ auditLog(from: "${day}", to: "${day}", outcome: "maybe") { time } }`);
    expect(outcome.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'outcome', rule: 'oneOf', params: { allowed: ['allowed', 'denied', 'error'], got: 'maybe' } });
    const order = await svc.gql(svc.adminKey, 'ADMINISTRATION', `{ auditLog(from: "${day}", to: "2020-01-01") { time } }`);
    expect(order.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'to', rule: 'dateOrder', params: {} });
    const missing = await svc.gql(svc.adminKey, 'ADMINISTRATION', 'mutation { updateSite(id: "no-such-site", kAnonymity: 5) { id } }');
    expect(missing.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', field: 'id', rule: 'notFound', params: { kind: 'site', id: 'no-such-site' } });
  });
});
