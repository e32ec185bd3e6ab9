// Production shape: ClickHouse over HTTP (CLICKHOUSE_URL), Redis as the cache, collector and API as
// two separate services sharing both, and an outage of the store.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChdbHttpServer, type ChdbHttpServer } from '../support/chdbHttpServer.ts';
import { redisUrlOrSkip } from '../support/redis.ts';
import { eventually, siteWithKey, startTestService, tempDir, type TestService } from '../support/testService.ts';

const redis = redisUrlOrSkip();

describe.skipIf(redis.url === undefined)(`remote ClickHouse with Redis, split roles ${redis.reason}`, () => {
  let ch: ChdbHttpServer;
  let collector: TestService;
  let api: TestService;
  let key: string;
  beforeAll(async () => {
    ch = await startChdbHttpServer(tempDir());
    const env = {
      CLICKHOUSE_URL: ch.url,
      CLICKHOUSE_DATABASE: `calypso_${process.pid}`,
      REDIS_URL: redis.url!,
      CALYPSO_ADMIN_KEY: `cly_admin_${randomBytes(24).toString('base64url')}`,
      CALYPSO_PSEUDONYM_KEYS: `1:${randomBytes(32).toString('base64')}`,
    };
    // Two instances migrating at the same moment against one server.
    [api, collector] = await Promise.all([startTestService({ env, role: 'api' }), startTestService({ env, role: 'collector' })]);
    key = await siteWithKey(api, 'shop', ['STATISTICS'], ', kAnonymity: 2');
  });
  afterAll(async () => {
    await collector?.stop();
    await api?.stop();
    await ch?.close();
  });

  const today = () => new Date().toISOString().slice(0, 10);
  const totals = () =>
    api.gql<{ stats: { totals: { pageviews: number; visitors: number } } }>(key, 'STATISTICS', `{ stats(site: "shop", from: "${today()}", to: "${today()}") { totals { pageviews visitors } } }`);

  it('serves each role only its own routes', async () => {
    expect((await fetch(`${collector.url}/graphql`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${api.url}/collect`, { method: 'POST' })).status).toBe(404);
    // The dashboard is the API's: served by the api role (200, or 503 when not built), not by the collector.
    expect((await fetch(`${collector.url}/`)).status).toBe(404);
    expect([200, 503]).toContain((await fetch(`${api.url}/`)).status);
    expect((await fetch(`${collector.url}/session`, { headers: { 'x-calypso-session': '1' } })).status).toBe(404);
    const ready = (await (await fetch(`${api.url}/readyz`)).json()) as { checks: Record<string, { detail: string; ok: boolean }> };
    expect(ready.checks).toMatchObject({ clickhouse: { detail: 'server', ok: true }, cache: { detail: 'redis', ok: true } });
  });

  it("a dashboard session made on the API is taken by the collector's REST route (sessions live in Redis)", async () => {
    const made = await api.gql<{ createApiKey: { secret: string } }>(api.adminKey, 'ADMINISTRATION', 'mutation { createApiKey(name: "importer", purposes: [ADMINISTRATION], sites: ["shop"]) { secret } }');
    const signedIn = await fetch(`${api.url}/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-calypso-session': '1' }, body: JSON.stringify({ key: made.data!.createApiKey.secret }) });
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    // An empty import: authorised (400 for the body, not 401 for the caller).
    const imported = await fetch(`${collector.url}/v1/import`, { method: 'POST', headers: { cookie, 'x-calypso-purpose': 'ADMINISTRATION', 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-ndjson' }, body: '' });
    expect(imported.status).not.toBe(401);
    const without = await fetch(`${collector.url}/v1/import`, { method: 'POST', headers: { 'x-calypso-purpose': 'ADMINISTRATION', 'content-type': 'application/x-ndjson' }, body: '' });
    expect(without.status).toBe(401);
  });

  it('a hit taken by the collector is counted by the API, same pseudonym for the same cookie', async () => {
    const a = await collector.collect({
      events: [
        { site: 'shop', url: 'https://shop.example/a', cid: 'c1' },
        { site: 'shop', url: 'https://shop.example/b', cid: 'c1' },
        { site: 'shop', url: 'https://shop.example/b', cid: 'c0' },
      ],
    });
    expect(a.body).toEqual({ accepted: 3, rejected: [] });
    const r = await eventually(totals, (r) => r.data?.stats.totals.pageviews === 3);
    expect(r.data?.stats.totals).toEqual({ pageviews: 3, visitors: 2 });
  });

  it('caches statistics in Redis and moves on as soon as new events land', async () => {
    const hits = async () => Number(/calypso_stats_cache_requests_total\{result="hit"\} (\d+)/.exec(await (await fetch(`${api.url}/metrics`)).text())?.[1] ?? 0);
    // The previous case's hits may still be on their way: their segment's rows are in ClickHouse (its
    // reads saw them) before the watermark moves, after the segment's last table. Settled first, so no
    // move falls between the two reads below.
    await collector.flush();
    // The first may itself be a hit (the previous case's last read can have cached it): counted after it.
    const first = await totals();
    const before = await hits();
    const again = await totals();
    expect(again.data).toEqual(first.data);
    expect(await hits()).toBe(before + 1);
    await collector.collect({ site: 'shop', url: 'https://shop.example/cache', cid: 'c-cache' });
    await collector.flush(); // the collector moves the site's watermark in Redis; the API sees it
    const after = await totals();
    expect(after.data?.stats.totals.pageviews).toBe((first.data?.stats.totals.pageviews ?? 0) + 1);
  });

  it('during an outage the API is unready and the collector degraded but accepting; afterwards nothing acknowledged is lost or doubled', async () => {
    await ch.stop();
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { clickhouse: { ok: boolean } } }).checks.clickhouse.ok).toBe(false);
    // A question not answered before (cached answers are still served during an outage).
    const during = await api.gql(key, 'STATISTICS', `{ stats(site: "shop", from: "${today()}T00:00:00Z", to: "${today()}T23:59:59Z") { totals { pageviews } } }`);
    expect(during.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(JSON.stringify(during.errors)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|SELECT/);

    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      const events = Array.from({ length: 10 }, (_, j) => ({ site: 'shop', url: 'https://shop.example/c', cid: `out-${i}`, eid: `out-${i}-${j}` }));
      const hit = await collector.collect({ events });
      if (hit.status === 202) acked.push(...events.map((e) => e.eid));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(acked).toHaveLength(200);
    const degraded = await fetch(`${collector.url}/readyz`);
    expect(degraded.status).toBe(200);
    expect(((await degraded.json()) as { status: string }).status).toBe('degraded');

    await ch.restart();
    const r = await eventually(totals, (r) => r.data?.stats.totals.pageviews === 204, 15_000);
    expect(r.data?.stats.totals).toEqual({ pageviews: 204, visitors: 23 });
    await collector.flush();
    const rows = await api.store.query<{ event_id: string; n: string }>("SELECT event_id, count() AS n FROM events WHERE startsWith(event_id, 'out-') GROUP BY event_id");
    expect(rows).toHaveLength(200);
    expect(rows.every((x) => x.n === '1')).toBe(true);
    expect(((await (await fetch(`${collector.url}/readyz`)).json()) as { status: string }).status).toBe('ready');
  });
});
