// The in-process visit state at its cap (docs/visits.md): far more distinct visitors than it holds. A
// dropped visitor's next hit must still continue its visit (looked up in ClickHouse); a new visitor must
// (almost) never be looked up, however many were dropped before it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteWithKey, startTestService, type TestService } from '../support/testService.ts';

const SITE = 'cliff';
const MIN = 60_000;

const lookups = async (svc: TestService, result: string) =>
  Number(new RegExp(`calypso_visit_lookups_total\\{result="${result}"\\} (\\d+)`).exec(await (await fetch(`${svc.url}/metrics`)).text())?.[1] ?? 0);

describe('the in-process visit state at its cap', () => {
  let svc: TestService;
  const t0 = Date.now() - 50 * MIN;
  const hit = (v: number, ts: number) => ({ site: SITE, url: `https://${SITE}.example/p${v % 7}`, cid: `c${v}`, ts });
  const send = async (events: object[]) => {
    for (let i = 0; i < events.length; i += 500) {
      const r = await svc.collect({ events: events.slice(i, i + 500) });
      expect(r.status).toBe(202);
      expect(r.body.accepted).toBe(Math.min(500, events.length - i));
    }
  };

  beforeAll(async () => {
    svc = await startTestService({ env: { CALYPSO_VISIT_STATE_MAX: '1000' } });
    await siteWithKey(svc, SITE, ['STATISTICS']);
  }, 60_000);
  afterAll(() => svc?.stop());

  it('looks up no new visitor while dropping thousands for room', async () => {
    // 6 000 visitors, one hit each, fifty minutes ago: the first 5 000 are dropped for room.
    await send(Array.from({ length: 6000 }, (_, v) => hit(v, t0 + v)));
    await svc.flush();
    expect(await lookups(svc, 'ok')).toBeLessThanOrEqual(3);
  }, 60_000);

  it('continues a dropped visitor\'s visit within 30 minutes and opens a new one after, from ClickHouse', async () => {
    const before = await lookups(svc, 'ok');
    // Visitors 0–199 return 5 minutes after their hit, 200–299 fifty minutes after (a new visit): in
    // requests at once, so their look-ups share queries.
    const back = [...Array.from({ length: 200 }, (_, v) => hit(v, t0 + 5 * MIN + v)), ...Array.from({ length: 100 }, (_, i) => hit(200 + i, t0 + 50 * MIN + i))];
    await Promise.all([0, 1, 2, 3, 4, 5].map((k) => send(back.slice(k * 50, k * 50 + 50))));
    await svc.flush();
    // Every one of them was dropped: each looked up once (and nobody else, but for a rare false positive).
    const looked = (await lookups(svc, 'ok')) - before;
    expect(looked).toBeGreaterThanOrEqual(300);
    expect(looked).toBeLessThanOrEqual(303);
    expect(await lookups(svc, 'failed')).toBe(0);
    const [visits] = await svc.store.query<{ n: string; two: string; total: string }>(
      'SELECT sum(sign) AS n, countIf(hits = 2) AS two, sum(hits) AS total FROM (SELECT * FROM visits FINAL WHERE site = {site:String})',
      { site: SITE },
    );
    expect({ n: Number(visits!.n), two: Number(visits!.two), hits: Number(visits!.total) }).toEqual({ n: 6100, two: 200, hits: 6300 });
    // Each hit names its visit: the 200 returning visitors' two hits one visit each.
    const [ids] = await svc.store.query<{ n: string }>('SELECT uniqExact(visit_id) AS n FROM events WHERE site = {site:String}', { site: SITE });
    expect(Number(ids!.n)).toBe(6100);
  }, 60_000);

  it('still looks up no new visitor after them', async () => {
    const before = await lookups(svc, 'ok');
    await send(Array.from({ length: 2000 }, (_, v) => hit(10_000 + v, t0 + 20 * MIN + v)));
    expect((await lookups(svc, 'ok')) - before).toBeLessThanOrEqual(3);
  }, 60_000);
});
