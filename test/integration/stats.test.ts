// Statistics on a hand-built dataset whose expected numbers are worked out here, by hand, not by the
// code under test. Hits are imported at fixed times (POST /v1/import takes any age).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_UA, eventually, startTestService, type TestService } from '../support/testService.ts';

const DAY = new Date(Date.now() - 14 * 86_400_000).toISOString().slice(0, 10);
const NEXT = new Date(Date.parse(`${DAY}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const at = (hhmm: string) => Date.parse(`${DAY}T${hhmm}:00Z`);
const BOT = 'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)';

/**
 * A: visit 1 at 10:00–10:10 (/home from Yandex, /products, /checkout), visit 2 at 12:30 (/home).
 * B: 10:00 /home from vk with utm_source=vk, a "signup" event at 10:01 (one visit, one pageview).
 * C: 23:30 UTC /products: the next day in Moscow.
 * D: no cookie, 11:00 and 11:10 /home: one cookieless visitor, one visit.
 * A bot at 10:00 /home: stored, never counted.
 */
function hits(site: string, host: string) {
  return [...once(site, host, ''), ...once(site, host, '-twin')];
}

/**
 * Every visitor comes with a twin doing exactly the same (sites need k ≥ 2, so a lone visitor would be
 * suppressed): each count below is twice that of the story above, each ratio the same.
 */
function once(site: string, host: string, twin: string) {
  const h = (cid: string | undefined, hhmm: string, path: string, extra: Record<string, unknown> = {}) => ({
    site,
    url: `https://${host}${path}`,
    ts: at(hhmm),
    ...(cid === undefined ? {} : { cid: `${cid}${twin}` }),
    ua: BROWSER_UA,
    ip: twin === '' ? '198.51.100.7' : '198.51.100.8',
    ...extra,
  });
  return [
    h('A', '10:00', '/home', { referrer: 'https://yandex.ru/search/?text=x' }),
    h('A', '10:05', '/products'),
    h('A', '10:10', '/checkout'),
    h('A', '12:30', '/home'),
    h('B', '10:00', '/home?utm_source=vk', { referrer: 'https://vk.com/feed' }),
    h('B', '10:01', '/home', { type: 'event', name: 'signup' }),
    h('C', '23:30', '/products'),
    h(undefined, '11:00', '/home'),
    h(undefined, '11:10', '/home'),
    h('bot', '10:00', '/home', { ua: BOT }),
  ];
}

type Row = Record<string, string | number | null>;
type StatsResult = { stats: { rows: Row[]; totals: Row; suppressedRows: number } };

describe('stats', () => {
  let svc: TestService;
  let key: string;
  beforeAll(async () => {
    svc = await startTestService();
    for (const [id, tz, k] of [['utc', 'UTC', 2], ['msk', 'Europe/Moscow', 2], ['kay', 'UTC', 3]] as const) {
      const made = await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { createSite(id: "${id}", name: "${id}", hostnames: ["${id}.example"], timezone: "${tz}", kAnonymity: ${k}) { id } }`);
      expect(made.errors).toBeUndefined();
      const res = await fetch(`${svc.url}/v1/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION' },
        body: hits(id, `${id}.example`).map((e) => JSON.stringify(e)).join('\n'),
      });
      expect(await res.json()).toEqual({ accepted: 20, rejected: [] });
    }
    const made = await svc.gql<{ createApiKey: { secret: string } }>(svc.adminKey, 'ADMINISTRATION', 'mutation { createApiKey(name: "s", purposes: [STATISTICS], sites: ["utc", "msk", "kay"]) { secret } }');
    key = made.data!.createApiKey.secret;
    await svc.flush();
  });
  afterAll(() => svc?.stop());

  const stats = async (site: string, body: string, args = '', from = DAY, to = DAY) => {
    const r = await svc.gql<StatsResult>(key, 'STATISTICS', `query { stats(site: "${site}", from: "${from}", to: "${to}"${args}) ${body} }`);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.stats;
  };

  it('computes the totals of a day: visitors, visits, pageviews, events, bounce rate, visit duration', async () => {
    const s = await stats('utc', '{ totals { visitors visits pageviews events viewsPerVisit bounceRate visitDuration } suppressedRows }');
    // Visits A1 (3 pv, 600 s), A2 (1, 0), B1 (1, 60), C1 (1, 0), D1 (2, 600), twice; the bots are not counted.
    expect(s.totals).toEqual({ visitors: 8, visits: 10, pageviews: 16, events: 2, viewsPerVisit: 1.6, bounceRate: 60, visitDuration: 252 });
    expect(s.suppressedRows).toBe(0);
  });

  it('groups by page, ordered by visitors, and pages through the rows', async () => {
    const s = await stats('utc', '{ rows { page visitors pageviews } }', ', orderBy: [{field: VISITORS, direction: DESC}]');
    expect(s.rows).toEqual([
      { page: '/home', visitors: 6, pageviews: 10 },
      { page: '/products', visitors: 4, pageviews: 4 },
      { page: '/checkout', visitors: 2, pageviews: 2 },
    ]);
    const second = await stats('utc', '{ rows { page } }', ', orderBy: [{field: VISITORS}], limit: 1, offset: 1');
    expect(second.rows).toEqual([{ page: '/products' }]);
  });

  it('groups by the entry page of each visit', async () => {
    const s = await stats('utc', '{ rows { entryPage visits } }');
    expect(s.rows).toEqual([
      { entryPage: '/home', visits: 8 },
      { entryPage: '/products', visits: 2 },
    ]);
  });

  it('puts the same hits on different days in Europe/Moscow and in UTC', async () => {
    const utc = await stats('utc', '{ rows { time visitors pageviews } }', '', DAY, NEXT);
    expect(utc.rows).toEqual([{ time: DAY, visitors: 8, pageviews: 16 }]);
    const msk = await stats('msk', '{ rows { time visitors pageviews } }', '', DAY, NEXT);
    expect(msk.rows).toEqual([
      { time: DAY, visitors: 6, pageviews: 14 },
      { time: NEXT, visitors: 2, pageviews: 2 },
    ]);
    const hours = await stats('utc', '{ rows { time(interval: HOUR) pageviews } }');
    expect(hours.rows).toEqual([
      { time: `${DAY}T10:00`, pageviews: 8 },
      { time: `${DAY}T11:00`, pageviews: 4 },
      { time: `${DAY}T12:00`, pageviews: 2 },
      { time: `${DAY}T23:00`, pageviews: 2 },
    ]);
  });

  it('filters on any dimension', async () => {
    const home = await stats('utc', '{ totals { visitors pageviews } }', ', filter: [{dimension: PAGE, op: EQ, values: ["/home"]}]');
    expect(home.totals).toEqual({ visitors: 6, pageviews: 10 });
    const search = await stats('utc', '{ totals { visitors pageviews } }', ', filter: [{dimension: REFERRER_SOURCE, op: EQ, values: ["search"]}]');
    expect(search.totals).toEqual({ visitors: 2, pageviews: 2 });
    const vk = await stats('utc', '{ rows { utmSource visitors } }', ', filter: [{dimension: UTM_SOURCE, op: IN, values: ["vk", "x"]}]');
    expect(vk.rows).toEqual([{ utmSource: 'vk', visitors: 2 }]);
    const prefix = await stats('utc', '{ rows { page } }', ', filter: [{dimension: PAGE, op: PREFIX, values: ["/pro", "/che"]}], orderBy: [{field: PAGE, direction: ASC}]');
    expect(prefix.rows).toEqual([{ page: '/checkout' }, { page: '/products' }]);
    const events = await stats('utc', '{ rows { eventName events } }', ', filter: [{dimension: EVENT_NAME, op: NEQ, values: [""]}]');
    expect(events.rows).toEqual([{ eventName: 'signup', events: 2 }]);
  });

  it('suppresses rows under k and counts them', async () => {
    const s = await stats('kay', '{ rows { page visitors } totals { visitors } suppressedRows }', ', orderBy: [{field: VISITORS}]');
    expect(s.rows).toEqual([
      { page: '/home', visitors: 6 },
      { page: '/products', visitors: 4 },
    ]);
    expect(s.suppressedRows).toBe(1); // /checkout: two visitors, k = 3
    expect(s.totals).toEqual({ visitors: 8 });
  });

  it('audits the rows a statistics answer returned', async () => {
    await svc.gql(key, 'STATISTICS', `query RowsProbe { stats(site: "utc", from: "${DAY}", to: "${DAY}") { rows { page } } }`);
    await svc.flush();
    const rows = await eventually(
      () => svc.store.query<{ rows: number }>("SELECT rows FROM audit_log WHERE operation = 'RowsProbe'"),
      (r) => r.length === 1,
    );
    expect(rows).toEqual([{ rows: 3 }]);
  });

  it('takes hostile filter values as plain non-matches', async () => {
    for (const v of ["' OR 1=1 --", '"); DROP TABLE events; --', '\\', '{site:String}', 'ДОМ 🏠', '%', '_']) {
      const s = await svc.gql<StatsResult>(key, 'STATISTICS', 'query($v: String!, $d: String!) { stats(site: "utc", from: $d, to: $d, filter: [{dimension: PAGE, op: EQ, values: [$v]}]) { rows { page } totals { pageviews } } }', { v, d: DAY });
      expect(s.errors, v).toBeUndefined();
      expect(s.data?.stats).toEqual({ rows: [], totals: { pageviews: 0 } });
    }
    expect((await stats('utc', '{ totals { pageviews } }')).totals.pageviews).toBe(16);
  });

  it('honours aliases and fragments, and refuses two intervals', async () => {
    const r = await svc.gql<{ stats: { a: Row[]; t: Row } }>(
      key,
      'STATISTICS',
      `query { stats(site: "utc", from: "${DAY}", to: "${DAY}") { a: rows { ...R } t: totals { views: pageviews } } } fragment R on StatsRow { p: page pageviews }`,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data?.stats.t).toEqual({ views: 16 });
    expect(r.data?.stats.a).toContainEqual({ p: '/home', pageviews: 10 });
    const two = await svc.gql(key, 'STATISTICS', `query { stats(site: "utc", from: "${DAY}", to: "${DAY}") { rows { h: time(interval: HOUR) d: time(interval: DAY) } } }`);
    expect(two.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(two.errors?.[0]?.message).toMatch(/two intervals/);
    const skipped = await stats('utc', '{ rows { page @skip(if: true) pageviews } }');
    expect(skipped.rows).toEqual([{ pageviews: 16 }]); // no dimension left: one row, the whole range
    const unsel = await svc.gql(key, 'STATISTICS', `query { stats(site: "utc", from: "${DAY}", to: "${DAY}", orderBy: [{field: PAGE}]) { rows { visitors } } }`);
    expect(unsel.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'orderBy[0]' });
  });
});
