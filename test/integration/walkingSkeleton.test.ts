// One hit to one GraphQL number, end to end, on the embedded engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, siteWithKey, startTestService, type TestService } from '../support/testService.ts';

const today = () => new Date().toISOString().slice(0, 10);
const TOTALS = `query($site: ID!, $from: String!, $to: String!) { stats(site: $site, from: $from, to: $to) { totals { pageviews visitors } suppressedRows } }`;
type Totals = { stats: { totals: { pageviews: number | null; visitors: number | null }; suppressedRows: number } };

describe('walking skeleton', () => {
  let svc: TestService;
  let key: string;
  beforeAll(async () => {
    svc = await startTestService();
    key = await siteWithKey(svc, 'shop', ['STATISTICS'], ', kAnonymity: 2');
  });
  afterAll(() => svc?.stop());

  const totals = () => svc.gql<Totals>(key, 'STATISTICS', TOTALS, { site: 'shop', from: today(), to: today() });

  it('one visitor is not shown (k = 2); a second makes two pageviews and two visitors', async () => {
    const hit = await svc.collect({ site: 'shop', url: 'https://shop.example/a', cid: 'abc' });
    expect(hit).toEqual({ status: 202, body: { accepted: 1, rejected: [] } });
    await svc.flush();
    expect((await totals()).data?.stats).toEqual({ totals: { pageviews: null, visitors: null }, suppressedRows: 1 });
    await svc.collect({ site: 'shop', url: 'https://shop.example/a', cid: 'xyz' });
    const r = await eventually(totals, (r) => r.data?.stats.totals.pageviews === 2);
    expect(r.errors).toBeUndefined();
    expect(r.data?.stats).toEqual({ totals: { pageviews: 2, visitors: 2 }, suppressedRows: 0 });
  });

  it('a batch keeps its good events and refuses the bad one by index, naming the field', async () => {
    const res = await svc.collect({
      events: [
        { site: 'shop', url: 'https://shop.example/b', cid: 'abc' },
        { site: 'shop', url: 'not a url', cid: 'abc' },
        { site: 'shop', url: 'https://shop.example/c', cid: 'other' },
        { site: 'shop', url: 'https://evil.example/c', cid: 'other' },
      ],
    });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected.map((r) => r.index)).toEqual([1, 3]);
    expect(res.body.rejected[0]?.error).toMatch(/^url /);
    expect(res.body.rejected[1]?.error).toMatch(/evil\.example.*not a registered host name/);
    const r = await eventually(totals, (r) => r.data?.stats.totals.pageviews === 4);
    expect(r.data?.stats.totals).toEqual({ pageviews: 4, visitors: 3 });
  });

  it('a hit for an unregistered site leaves no trace', async () => {
    const res = await svc.collect({ site: 'nosuch', url: 'https://shop.example/a', cid: 'abc' });
    expect(res.body).toEqual({ accepted: 0, rejected: [{ index: 0, error: 'site "nosuch" is not registered', code: 'BAD_USER_INPUT', field: 'site' }] });
    const rows = await svc.store.query<{ n: string }>("SELECT count() AS n FROM events WHERE site = 'nosuch'");
    expect(rows[0]?.n).toBe('0');
  });

  it('stores a keyed pseudonym, never the raw cookie id', async () => {
    await svc.collect({ site: 'shop', url: 'https://shop.example/p', cid: 'raw-cookie-id-123' });
    const rows = await eventually(
      () => svc.store.query<{ pid: string }>("SELECT toString(pid) AS pid FROM events WHERE path = '/p'"),
      (r) => r.length === 1,
    );
    expect(rows[0]?.pid).toMatch(/^[1-9]\d*$/);
    const anyColumnContains = (text: string) =>
      svc.store.query<{ n: string }>('SELECT count() AS n FROM events WHERE position(toString(tuple(*)), {text:String}) > 0', { text });
    expect((await anyColumnContains('/p'))[0]?.n).toBe('1'); // the probe does see every column
    expect((await anyColumnContains('raw-cookie-id-123'))[0]?.n).toBe('0');
  });

  it('refuses malformed bodies with a clear 4xx', async () => {
    const res = await fetch(`${svc.url}/collect`, { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'body must be valid JSON', code: 'BAD_USER_INPUT' });
    const big = await fetch(`${svc.url}/collect`, { method: 'POST', body: JSON.stringify({ events: Array.from({ length: 501 }, () => ({})) }) });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: 'events must hold at most 500 events', code: 'PAYLOAD_TOO_LARGE', field: 'events' });
    const notArray = await fetch(`${svc.url}/collect`, { method: 'POST', body: '{"events":{}}' });
    expect(notArray.status).toBe(400);
    expect(await notArray.json()).toEqual({ error: 'events must be an array of events', code: 'BAD_USER_INPUT', field: 'events' });
    const huge = await fetch(`${svc.url}/collect`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toEqual({ error: 'body must be at most 1048576 bytes', code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers unknown routes and methods with the same error body', async () => {
    const none = await fetch(`${svc.url}/nowhere`);
    expect(none.status).toBe(404);
    expect(await none.json()).toEqual({ error: 'no route "/nowhere"', code: 'NOT_FOUND' });
    const method = await fetch(`${svc.url}/collect`, { method: 'DELETE' });
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('POST, OPTIONS');
    expect(await method.json()).toEqual({ error: 'method "DELETE" is not allowed on /collect', code: 'METHOD_NOT_ALLOWED' });
  });

  it('serves health, readiness for each dependency, and Prometheus metrics', async () => {
    expect(await (await fetch(`${svc.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${svc.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean; detail: string }> };
    expect(body.checks.clickhouse).toMatchObject({ ok: true, detail: 'embedded' });
    expect(body.checks.cache).toMatchObject({ ok: true, detail: 'memory' });
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/^calypso_events_accepted_total\{site="shop"\} [1-9]/m);
    expect(metrics).toMatch(/^# TYPE calypso_http_requests_total counter$/m);
    // Requests are counted per route and status, and timed (recorded when each response finishes).
    expect(metrics).toMatch(/^calypso_http_requests_total\{route="\/graphql",status="200"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^calypso_http_request_duration_seconds_count\{route="\/graphql"\} [1-9]\d*$/m);
  });

  it('shows who is on the site now, k-anonymously', async () => {
    type RT = { realtime: { visitors: number | null; topPages: Array<{ page: string; visitors: number }> } };
    const now = await svc.gql<RT>(key, 'STATISTICS', '{ realtime(site: "shop") { visitors topPages { page visitors } } }');
    expect(now.errors).toBeUndefined();
    // Hits of this file so far, all within the last minutes: cookies abc, xyz, other, raw-cookie-id-123;
    // only /a has two visitors (k = 2).
    expect(now.data?.realtime.visitors).toBe(4);
    expect(now.data?.realtime.topPages).toEqual([{ page: '/a', visitors: 2 }]);
  });

  it('validates stats ranges with stable codes', async () => {
    const reversed = await svc.gql(key, 'STATISTICS', TOTALS, { site: 'shop', from: '2026-11-10', to: '2026-11-01' });
    expect(reversed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    const tooLong = await svc.gql(key, 'STATISTICS', TOTALS, { site: 'shop', from: '2020-01-01', to: '2026-11-01' });
    expect(tooLong.errors?.[0]?.extensions?.code).toBe('RANGE_TOO_LARGE');
  });

  // A bound past the engine's DateTime64 (1900-01-01 … 2299-12-31) reached ClickHouse as a date it
  // could not read: INTERNAL_SERVER_ERROR. Every such argument is the client's mistake, by name.
  it("refuses arguments outside the engine's range as BAD_USER_INPUT naming them", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ site: 'shop', from: '9999-12-31', to: '9999-12-31' }, 'from'],
      [{ site: 'shop', from: '2299-12-31', to: '2300-01-01' }, 'to'],
      [{ site: 'shop', from: '1899-12-31T23:00:00Z', to: '1900-01-01T01:00:00Z' }, 'from'],
      [{ site: 'shop', from: '9999-12-31T00:00:00Z', to: '9999-12-31T01:00:00Z' }, 'from'],
    ];
    for (const [vars, field] of cases) {
      const r = await svc.gql(key, 'STATISTICS', TOTALS, vars);
      expect(r.errors?.[0]?.extensions, JSON.stringify(vars)).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(r.errors?.[0]?.message).toMatch(new RegExp(`^${field} must be from 1900-01-01 to 2299-12-31`));
    }
    const edge = await svc.gql(key, 'STATISTICS', TOTALS, { site: 'shop', from: '2299-12-31', to: '2299-12-31' });
    expect(edge.errors).toBeUndefined();
    const page = (limit: number, offset: number) =>
      svc.gql(key, 'STATISTICS', 'query($l: Int!, $o: Int!) { stats(site: "shop", from: "2026-01-01", to: "2026-01-02", limit: $l, offset: $o) { rows { page } } }', { l: limit, o: offset });
    expect((await page(10, -1)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'offset' });
    expect((await page(10, 2_147_483_647)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'offset' });
    expect((await page(-1, 0)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'limit' });
    expect((await page(10, 1_000_000_000)).errors).toBeUndefined();
    const audit = (from: string, to: string, limit = 10) =>
      svc.gql(svc.adminKey, 'ADMINISTRATION', 'query($f: String!, $t: String!, $l: Int!) { auditLog(from: $f, to: $t, limit: $l) { operation } }', { f: from, t: to, l: limit });
    expect((await audit('9999-12-30', '9999-12-31')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
    expect((await audit('2026-01-01', '9999-12-31')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    expect((await audit('2026-01-01', '2026-01-02', 0)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'limit' });
    // The audit row of a refused call records the error's code (the catalogue's code reaches Apollo, not only formatError).
    await svc.gql(key, 'STATISTICS', 'query FarFuture { stats(site: "shop", from: "9999-12-31", to: "9999-12-31") { suppressedRows } }');
    await svc.flush();
    const rows = await svc.store.query<{ outcome: string; code: string }>("SELECT outcome, code FROM audit_log WHERE operation = 'FarFuture'");
    expect(rows).toEqual([{ outcome: 'error', code: 'BAD_USER_INPUT' }]);
  });
});
