// Subject rights end to end (policy 4.1, 4.2, 3.3.2): consent on request and its log, export, erasure
// with a legal-hold copy, late hits after an erasure, the legal hold under LEGAL_OBLIGATION only, TTLs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PURPOSES } from '../../src/access/purposes.ts';
import { eventually, siteWithKey, startTestService, tempDir, type TestService } from '../support/testService.ts';

const site = 'subj';
const ADS = { statistics: true, advertising: true };

describe('subject rights', () => {
  let svc: TestService;
  let key: string; // every purpose, this site
  let segment: string;

  const q = <T = Record<string, unknown>>(purpose: string, query: string, variables?: Record<string, unknown>) => svc.gql<T>(key, purpose, query, variables);
  const hit = (cid: string, path: string, extra: Record<string, unknown> = {}) => svc.collect({ site, url: `https://${site}.example${path}`, cid, ...extra });
  const day = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
  const pageviews = async () => {
    const r = await q<{ stats: { totals: { pageviews: number | null } } }>('STATISTICS', `{ stats(site: "${site}", from: "${day(-1)}", to: "${day(1)}") { totals { pageviews } } }`);
    return r.data!.stats.totals.pageviews;
  };
  const exported = (cookie: string) =>
    q<{ exportSubject: { events: Array<{ path: string; consent: { advertising: boolean } }>; consent: { advertising: boolean } | null; consentLog: Array<{ source: string; before: unknown; after: { advertising: boolean } }>; segments: string[]; legalHold: boolean } }>(
      'SUBJECT_REQUEST',
      `{ exportSubject(site: "${site}", cookieId: "${cookie}") { events { path consent { advertising } } consent { advertising } consentLog { source before { advertising } after { advertising } } segments legalHold } }`,
    );
  const lookup = async (cookie: string) => (await q<{ segmentsForCookie: string[] }>('ADVERTISING', `{ segmentsForCookie(site: "${site}", cookieId: "${cookie}") }`)).data?.segmentsForCookie;

  beforeAll(async () => {
    svc = await startTestService({ env: { CALYPSO_CONTACT_EMAIL: 'privacy@soso-calypso.ru' } });
    key = await siteWithKey(svc, site, [...PURPOSES], ', kAnonymity: 2');
    for (const path of ['/a', '/b', '/c']) await hit('alice', path, { consent: ADS });
    for (const path of ['/a', '/b']) await hit('bob', path, { consent: ADS });
    await hit('carol', '/a', { consent: ADS });
    await svc.flush();
    const d = await q<{ defineSegment: { id: string } }>('ADVERTISING', `mutation { defineSegment(site: "${site}", name: "a", rule: { visited: { path: { equals: "/a" } } }) { id } }`);
    segment = d.data!.defineSegment.id;
    await q('ADVERTISING', `mutation { refreshSegment(id: "${segment}") { id } }`);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('setConsent changes every read path at once, and the consent log keeps each change', async () => {
    const set = (advertising: boolean) => q('SUBJECT_REQUEST', `mutation { setConsent(site: "${site}", cookieId: "carol", consent: { statistics: true, advertising: ${advertising} }) { advertising } }`);
    expect((await set(false)).data).toEqual({ setConsent: { advertising: false } });
    expect(await lookup('carol')).toEqual([]);
    expect((await q('PERSONALIZATION', `{ consent(site: "${site}", cookieId: "carol") { advertising statistics } }`)).data).toEqual({ consent: { advertising: false, statistics: true } });
    await set(true);
    expect(await lookup('carol')).toEqual([segment]);
    await svc.flush();
    const log = (await exported('carol')).data!.exportSubject.consentLog;
    expect(log.map((c) => [c.source, c.before === null ? null : (c.before as { advertising: boolean }).advertising, c.after.advertising])).toEqual([
      ['counter', null, true],
      ['api', true, false],
      ['api', false, true],
    ]);
  });

  it('exportSubject holds everything about the cookie, as GraphQL, JSON and CSV', async () => {
    const r = (await exported('alice')).data!.exportSubject;
    expect(r.events.map((e) => e.path)).toEqual(['/a', '/b', '/c']);
    expect(r.consent).toEqual({ advertising: true });
    expect(r.segments).toEqual([segment]);
    expect(r.legalHold).toBe(false);
    const get = (format: string, k = key, purpose = 'SUBJECT_REQUEST') =>
      fetch(`${svc.url}/v1/subjects/export?site=${site}&cookie=alice&format=${format}`, { headers: { authorization: `Bearer ${k}`, 'x-calypso-purpose': purpose } });
    const json = (await (await get('json')).json()) as { events: unknown[] };
    expect(json.events).toHaveLength(3);
    const csv = await get('csv');
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^time,type,name,host,path,/);
    expect(lines).toHaveLength(4);
    expect((await get('json', key, 'STATISTICS')).status).toBe(403);
    const badFormat = await get('xml');
    expect(badFormat.status).toBe(400);
    expect(await badFormat.json()).toEqual({ error: 'format must be json or csv', code: 'BAD_USER_INPUT', field: 'format', rule: 'oneOf', params: { allowed: ['json', 'csv'] } });
    expect((await get('json', 'nope')).status).toBe(401);
    expect((await get('xml')).status).toBe(400);
  });

  it('eraseSubject: copied to the legal hold, then gone from every read path', async () => {
    const before = await pageviews();
    const receipt = (await q<{ eraseSubject: { id: string; eventsErased: number; heldUntil: string; contact: string } }>(
      'SUBJECT_REQUEST',
      `mutation { eraseSubject(site: "${site}", cookieId: "alice", reason: "e-mail request #4521") { id eventsErased heldUntil contact } }`,
    )).data!.eraseSubject;
    expect(receipt.eventsErased).toBe(3);
    expect(receipt.contact).toBe('privacy@soso-calypso.ru');
    expect(Math.abs(Date.parse(receipt.heldUntil) - (Date.now() + 365 * 86_400_000))).toBeLessThan(60_000);
    // Statistics drop by exactly the subject's events; look-ups, export and consent are empty.
    expect(await pageviews()).toBe(before! - 3);
    expect(await lookup('alice')).toEqual([]);
    const after = (await exported('alice')).data!.exportSubject;
    expect(after).toEqual({ events: [], consent: null, consentLog: [], segments: [], legalHold: true });
    // The next refresh's size leaves the subject out.
    const refreshed = await q<{ refreshSegment: { size: number } }>('ADVERTISING', `mutation { refreshSegment(id: "${segment}") { size } }`);
    expect(refreshed.data?.refreshSegment.size).toBe(2); // bob, carol
    // The legal hold has it, under LEGAL_OBLIGATION only, with the basis in the audit log.
    const held = await q<{ legalHold: { events: Array<{ path: string }>; erasures: Array<{ id: string; reason: string }>; consent: { advertising: boolean } } }>(
      'LEGAL_OBLIGATION',
      `{ legalHold(site: "${site}", cookieId: "alice", basis: "court order 12-345/2026") { events { path } erasures { id reason } consent { advertising } } }`,
    );
    expect(held.data?.legalHold.events.map((e) => e.path).sort()).toEqual(['/a', '/b', '/c']);
    expect(held.data?.legalHold.erasures).toEqual([{ id: receipt.id, reason: 'e-mail request #4521' }]);
    expect(held.data?.legalHold.consent).toEqual({ advertising: true });
    for (const purpose of PURPOSES.filter((p) => p !== 'LEGAL_OBLIGATION')) {
      const refused = await q(purpose, `{ legalHold(site: "${site}", cookieId: "alice", basis: "x") { events { path } } }`);
      expect(refused.errors?.[0]?.extensions?.code).toBe('PURPOSE_NOT_ALLOWED');
    }
    const noBasis = await q('LEGAL_OBLIGATION', `{ legalHold(site: "${site}", cookieId: "alice", basis: " ") { events { path } } }`);
    expect(noBasis.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'basis' });
    await svc.flush();
    const audit = await svc.gql<{ auditLog: Array<{ fields: string[]; detail: string | null }> }>(svc.adminKey, 'ADMINISTRATION', `{ auditLog(from: "${day(-1)}", to: "${day(1)}", limit: 1000) { fields detail } }`);
    const details = audit.data!.auditLog.map((e) => e.detail);
    expect(details).toContain(`erasure ${receipt.id} of 3 events: e-mail request #4521`);
    expect(details).toContain('transfer: legal hold of one subject to a state body under "court order 12-345/2026"');
  });

  it('the erasure is repeated after 5 s: a row another instance delivered late is held, then deleted', async () => {
    await hit('dan', '/d', { consent: ADS });
    await svc.flush();
    const erased = await q<{ eraseSubject: { id: string } }>('SUBJECT_REQUEST', `mutation { eraseSubject(site: "${site}", cookieId: "dan", reason: "request") { id } }`);
    expect(erased.errors).toBeUndefined();
    // Another instance's spool delivers a hit of dan it accepted before its tombstones caught up.
    const [held] = await svc.store.query<{ row: string }>("SELECT row FROM legal_hold WHERE site = {site:String} AND kind = 'event' AND erasure_id = {id:String}", { site, id: erased.data!.eraseSubject.id });
    const late = { ...(JSON.parse(held!.row) as Record<string, unknown>), path: '/d-late', eid: 'late-1' };
    await svc.store.insertNdjson('events', `${JSON.stringify(late)}\n`, `late-${Date.now()}`);
    // Dan comes back within those 5 s: his new hit and consent are his own, and the repeat keeps them.
    expect((await hit('dan', '/d-again', { consent: ADS })).body.accepted).toBe(1);
    await svc.flush();
    const count = async (path: string) => Number((await svc.store.query<{ n: string }>('SELECT count() AS n FROM events WHERE site = {site:String} AND path = {path:String}', { site, path }))[0]!.n);
    expect(await count('/d-late')).toBe(1);
    await eventually(() => count('/d-late'), (n) => n === 0, 10_000);
    expect(await count('/d-again')).toBe(1);
    // (Without his consent he would be back at the site's default: statistics only.)
    const consent = await q('PERSONALIZATION', `{ consent(site: "${site}", cookieId: "dan") { advertising } }`);
    expect(consent.data).toEqual({ consent: { advertising: true } });
    const legal = await q<{ legalHold: { events: Array<{ path: string }> } }>('LEGAL_OBLIGATION', `{ legalHold(site: "${site}", cookieId: "dan", basis: "test") { events { path } } }`);
    expect(legal.data?.legalHold.events.map((e) => e.path).sort()).toEqual(['/d', '/d-late']);
  }, 20_000);

  it('after an erasure, a late hit stamped before it is refused; one stamped after is a new visitor without consent', async () => {
    const late = await hit('alice', '/late', { ts: Date.now() - 60_000, consent: ADS });
    expect(late.body.accepted).toBe(0);
    expect(late.body.rejected[0]?.error).toMatch(/^cid: this cookie's data was erased/);
    const fresh = await hit('alice', '/new');
    expect(fresh.body.accepted).toBe(1);
    await svc.flush();
    const r = (await exported('alice')).data!.exportSubject;
    expect(r.events.map((e) => [e.path, e.consent.advertising])).toEqual([['/new', false]]);
    expect(r.consent).toBeNull();
    expect(await lookup('alice')).toEqual([]);
  });

  it('erasing an unknown cookie is not an error', async () => {
    const r = await q<{ eraseSubject: { eventsErased: number } }>('SUBJECT_REQUEST', `mutation { eraseSubject(site: "${site}", cookieId: "never-seen", reason: "request") { eventsErased } }`);
    expect(r.data).toEqual({ eraseSubject: { eventsErased: 0 } });
  });

  it('every table expires by its TTL: rows past their time go at the next merge, the others stay', async () => {
    const old = 'now64(3) - toIntervalDay(3)';
    await svc.store.command(`INSERT INTO legal_hold VALUES ('era_ttl', 'ttl', 1, 'event', '{}', ${old}, now64(3) - toIntervalSecond(2)), ('era_ttl', 'ttl', 2, 'event', '{}', ${old}, now64(3) + toIntervalDay(1))`);
    await svc.store.command(`INSERT INTO consent_log VALUES ('ttl', 1, 1, NULL, 1, 'api', ${old}, 1), ('ttl', 2, 1, NULL, 1, 'api', ${old}, 5)`);
    await svc.store.command(`INSERT INTO audit_log (ts, key_id, sites, retention_days) VALUES (${old}, 'ttl-1', ['ttl'], 1), (${old}, 'ttl-2', ['ttl'], 5)`);
    await svc.store.command(`INSERT INTO events (site, ts, pid, retention_days) VALUES ('ttl', ${old}, 1, 1), ('ttl', ${old}, 2, 5)`);
    for (const t of ['legal_hold', 'consent_log', 'audit_log', 'events']) await svc.store.command(`OPTIMIZE TABLE ${t} FINAL`);
    const left = async (sql: string) => (await svc.store.queryColumn(sql)).join(',');
    expect(await left("SELECT pid FROM legal_hold WHERE site = 'ttl' ORDER BY pid")).toBe('2');
    expect(await left("SELECT pid FROM consent_log WHERE site = 'ttl' ORDER BY pid")).toBe('2');
    expect(await left("SELECT key_id FROM audit_log WHERE has(sites, 'ttl') ORDER BY key_id")).toBe('ttl-2');
    expect(await left("SELECT pid FROM events WHERE site = 'ttl' ORDER BY pid")).toBe('2');
  });

  it('retentionReport lists each table with its oldest row and policy', async () => {
    const r = await svc.gql<{ retentionReport: Array<{ table: string; rows: number; oldest: string | null; policy: string }> }>(svc.adminKey, 'ADMINISTRATION', `{ retentionReport(site: "${site}") { table rows oldest policy } }`);
    const byTable = new Map(r.data!.retentionReport.map((e) => [e.table, e]));
    expect([...byTable.keys()]).toEqual(['events', 'consents', 'consent_log', 'segment_members', 'audit_log', 'erasures', 'legal_hold']);
    expect(byTable.get('events')?.policy).toMatch(/^395 days/);
    expect(byTable.get('legal_hold')).toMatchObject({ rows: 3 + 1 + 1 + 1 + (2 + 1 + 1) }); // alice: events, consent, its log, a segment; dan: two events, consent, its log
    expect(byTable.get('legal_hold')?.policy).toMatch(/^365 days/);
    expect(byTable.get('erasures')?.rows).toBe(3); // alice, dan, the unknown cookie
    expect(Date.parse(byTable.get('events')!.oldest!)).toBeLessThanOrEqual(Date.now());
  });

  it('an erasure reason kept for years holds no e-mail address or token pasted into it', async () => {
    const r = await q<{ eraseSubject: { id: string } }>('SUBJECT_REQUEST', `mutation { eraseSubject(site: "${site}", cookieId: "never-seen-2", reason: "request from bob@example.com re 3f9a1c27be4d4e8a9b0c1d2e3f4a5b6c") { id } }`);
    const rows = await svc.store.query<{ reason: string }>('SELECT reason FROM erasures WHERE id = {id:String}', { id: r.data!.eraseSubject.id });
    expect(rows.map((x) => x.reason)).toEqual(['request from [email] re [token]']);
    const audit = await svc.store.query<{ detail: string }>("SELECT detail FROM audit_log WHERE detail LIKE '%request from%'");
    expect(audit.map((x) => x.detail).join('\n')).not.toMatch(/bob@example\.com|3f9a1c27/);
  });
});


describe('subject rights across a pseudonym key rotation (policy 5.4)', () => {
  it('an erasure whose process stopped within its 5 s is repeated by the next start', async () => {
    const dataDir = tempDir();
    let svc = await startTestService({ dataDir });
    let key: string;
    let id: string;
    try {
      key = await siteWithKey(svc, 'rep', [...PURPOSES]);
      expect((await svc.collect({ site: 'rep', url: 'https://rep.example/g', cid: 'gus' })).body.accepted).toBe(1);
      await svc.flush();
      const erased = await svc.gql<{ eraseSubject: { id: string } }>(key, 'SUBJECT_REQUEST', 'mutation { eraseSubject(site: "rep", cookieId: "gus", reason: "request") { id } }');
      id = erased.data!.eraseSubject.id;
      // A hit of gus another instance delivers late, then this process stops before its repeat.
      const [held] = await svc.store.query<{ row: string }>("SELECT row FROM legal_hold WHERE kind = 'event' AND erasure_id = {id:String}", { id });
      await svc.store.insertNdjson('events', `${JSON.stringify({ ...(JSON.parse(held!.row) as Record<string, unknown>), path: '/g-late', event_id: 'late-g' })}\n`, `late-g-${Date.now()}`);
    } finally {
      await svc.stop();
    }
    svc = await startTestService({ dataDir });
    try {
      const late = async () => Number((await svc.store.query<{ n: string }>("SELECT count() AS n FROM events WHERE site = 'rep' AND path = '/g-late'"))[0]!.n);
      expect(await eventually(late, (n) => n === 0, 15_000)).toBe(0);
      const legal = await svc.gql<{ legalHold: { events: Array<{ path: string }> } }>(key, 'LEGAL_OBLIGATION', '{ legalHold(site: "rep", cookieId: "gus", basis: "test") { events { path } } }');
      expect(legal.data?.legalHold.events.map((e) => e.path).sort()).toEqual(['/g', '/g-late']);
    } finally {
      await svc.stop();
    }
  }, 30_000);

  it('export and erasure cover what was stored under the older key', async () => {
    const dataDir = tempDir();
    const k1 = `1:${Buffer.alloc(32, 1).toString('base64')}`;
    const k2 = `2:${Buffer.alloc(32, 2).toString('base64')}`;
    let svc = await startTestService({ dataDir, env: { CALYPSO_PSEUDONYM_KEYS: k1 } });
    let key: string;
    try {
      key = await siteWithKey(svc, 'rot', [...PURPOSES], ', kAnonymity: 2');
      expect((await svc.collect({ site: 'rot', url: 'https://rot.example/before', cid: 'rotated' })).body.accepted).toBe(1);
      await svc.flush();
    } finally {
      await svc.stop();
    }
    svc = await startTestService({ dataDir, env: { CALYPSO_PSEUDONYM_KEYS: `${k1},${k2}` } });
    try {
      expect((await svc.collect({ site: 'rot', url: 'https://rot.example/after', cid: 'rotated' })).body.accepted).toBe(1);
      await svc.flush();
      const paths = async () =>
        (await svc.gql<{ exportSubject: { events: Array<{ path: string }> } }>(key, 'SUBJECT_REQUEST', '{ exportSubject(site: "rot", cookieId: "rotated") { events { path } } }')).data!.exportSubject.events.map((e) => e.path);
      expect(await paths()).toEqual(['/before', '/after']);
      const erased = await svc.gql<{ eraseSubject: { eventsErased: number } }>(key, 'SUBJECT_REQUEST', 'mutation { eraseSubject(site: "rot", cookieId: "rotated", reason: "request") { eventsErased } }');
      expect(erased.data).toEqual({ eraseSubject: { eventsErased: 2 } });
      expect(await paths()).toEqual([]);
    } finally {
      await svc.stop();
    }
  });

});
