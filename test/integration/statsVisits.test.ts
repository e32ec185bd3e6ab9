// Statistics read from the `visits` table (docs/visits.md shapes 2 and 3) on hand-built rows inserted
// directly, as the collector would leave them before ClickHouse merges anything: replaced versions with
// their cancel rows, a cookieless visit, a visit merged into another whose hits keep the old id. The
// expected numbers are worked out here, by hand, not by the code under test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/testService.ts';

const DAY = new Date(Date.now() - 14 * 86_400_000).toISOString().slice(0, 10);
const NEXT = new Date(Date.parse(`${DAY}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const at = (hhmm: string) => `${DAY} ${hhmm}:00.000`;
const SITE = 'vmsk';

interface Visit {
  id: number;
  version: number;
  sign: 1 | -1;
  pid: number;
  hash?: number;
  start: string;
  end: string;
  pageviews: number;
  events?: number;
  entry: string;
  exit: string;
  source: string;
  browser: string;
}

/**
 * One set of visitors (all times UTC on DAY; the site is in Europe/Moscow, UTC+3):
 * V1 101 pid 1: 10:00 /home from search, 10:05 /products, 10:10 /checkout, Firefox. Version 2 (exit
 *    /products) is still there with its cancel row, beside the live version 3 (exit /checkout).
 * V2 102 pid 1: 12:30 /home, direct, Firefox.
 * V3 103 pid 2: 10:00 /home from social, a signup event at 10:01, Chrome.
 * V4 104 no cookie (hash 777): 11:00 /home, 11:10 /home, direct, Chrome.
 * V5 105 pid 3: 14:00 /pricing from search, 14:20 /about, 14:40 /home, Firefox. The 14:40 hit came
 *    first as visit 106 (direct); the late 14:20 hit bridged them: 106 is cancelled (its pair unmerged)
 *    and aliased to 105, and its hit keeps the id 106.
 * V6 107 pid 4: 23:30 /products, direct, Safari: 02:30 the next day in Moscow.
 * V8 109 pid 6: 15:00 /products, direct, Safari.
 * Every one has a twin (pid + 100, hash + 1, id + 1000) doing the same, so rows reach k = 2; and a lone
 * V7 108 pid 5: 16:00 /blog from other, Safari: one visitor, always suppressed.
 */
function visits(t: number): Visit[] {
  const v = (x: Visit): Visit => ({ ...x, id: x.id + t * 1000, pid: x.pid === 0 ? 0 : x.pid + t * 100, hash: (x.hash ?? 0) + t });
  const v1 = { id: 101, pid: 1, start: at('10:00'), entry: '/home', source: 'search', browser: 'Firefox' };
  const v106 = { id: 106, version: 1, pid: 3, start: at('14:40'), end: at('14:40'), pageviews: 1, entry: '/home', exit: '/home', source: 'direct', browser: 'Firefox' };
  return [
    v({ ...v1, version: 2, sign: 1, end: at('10:05'), pageviews: 2, exit: '/products' }),
    v({ ...v1, version: 2, sign: -1, end: at('10:05'), pageviews: 2, exit: '/products' }),
    v({ ...v1, version: 3, sign: 1, end: at('10:10'), pageviews: 3, exit: '/checkout' }),
    v({ id: 102, version: 1, sign: 1, pid: 1, start: at('12:30'), end: at('12:30'), pageviews: 1, entry: '/home', exit: '/home', source: 'direct', browser: 'Firefox' }),
    v({ id: 103, version: 2, sign: 1, pid: 2, start: at('10:00'), end: at('10:01'), pageviews: 1, events: 1, entry: '/home', exit: '/home', source: 'social', browser: 'Chrome' }),
    v({ id: 104, version: 2, sign: 1, pid: 0, hash: 777, start: at('11:00'), end: at('11:10'), pageviews: 2, entry: '/home', exit: '/home', source: 'direct', browser: 'Chrome' }),
    v({ id: 105, version: 3, sign: 1, pid: 3, start: at('14:00'), end: at('14:40'), pageviews: 3, entry: '/pricing', exit: '/home', source: 'search', browser: 'Firefox' }),
    v({ ...v106, sign: 1 }),
    v({ ...v106, sign: -1 }),
    v({ id: 107, version: 1, sign: 1, pid: 4, start: at('23:30'), end: at('23:30'), pageviews: 1, entry: '/products', exit: '/products', source: 'direct', browser: 'Safari' }),
    v({ id: 109, version: 1, sign: 1, pid: 6, start: at('15:00'), end: at('15:00'), pageviews: 1, entry: '/products', exit: '/products', source: 'direct', browser: 'Safari' }),
    ...(t === 0 ? [{ id: 108, version: 1, sign: 1 as const, pid: 5, start: at('16:00'), end: at('16:00'), pageviews: 1, entry: '/blog', exit: '/blog', source: 'other', browser: 'Safari' }] : []),
  ];
}

/** The hits, each with the id of the visit it was placed in when collected. */
function hits(t: number) {
  const h = (id: number, pid: number, hhmm: string, path: string, extra: Record<string, unknown> = {}) => ({
    site: SITE,
    ts: at(hhmm),
    event_id: `${id}-${hhmm}-${t}`,
    visit_id: id + t * 1000,
    pid: pid === 0 ? 0 : pid + t * 100,
    visitor_hash: pid === 0 ? 777 + t : 0,
    type: 'pageview',
    path,
    retention_days: 395,
    ...extra,
  });
  return [
    h(101, 1, '10:00', '/home', { referrer_source: 'search', browser: 'Firefox' }),
    h(101, 1, '10:05', '/products', { browser: 'Firefox' }),
    h(101, 1, '10:10', '/checkout', { browser: 'Firefox' }),
    h(102, 1, '12:30', '/home', { browser: 'Firefox' }),
    h(103, 2, '10:00', '/home', { referrer_source: 'social', browser: 'Chrome' }),
    h(103, 2, '10:01', '/home', { type: 'event', name: 'signup', browser: 'Chrome' }),
    h(104, 0, '11:00', '/home', { browser: 'Chrome' }),
    h(104, 0, '11:10', '/home', { browser: 'Chrome' }),
    h(105, 3, '14:00', '/pricing', { referrer_source: 'search', browser: 'Firefox' }),
    h(105, 3, '14:20', '/about', { browser: 'Firefox' }),
    h(106, 3, '14:40', '/home', { browser: 'Firefox' }),
    h(107, 4, '23:30', '/products', { browser: 'Safari' }),
    h(109, 6, '15:00', '/products', { browser: 'Safari' }),
    ...(t === 0 ? [h(108, 5, '16:00', '/blog', { referrer_source: 'other', browser: 'Safari' })] : []),
  ];
}

type Row = Record<string, string | number | null>;
type StatsResult = { stats: { rows: Row[]; totals: Row; suppressedRows: number } };

describe('stats from visits', () => {
  let svc: TestService;
  let key: string;
  beforeAll(async () => {
    svc = await startTestService();
    const made = await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { createSite(id: "${SITE}", name: "v", hostnames: ["v.example"], timezone: "Europe/Moscow", kAnonymity: 2) { id } }`);
    expect(made.errors).toBeUndefined();
    const secret = await svc.gql<{ createApiKey: { secret: string } }>(svc.adminKey, 'ADMINISTRATION', `mutation { createApiKey(name: "s", purposes: [STATISTICS], sites: ["${SITE}"]) { secret } }`);
    key = secret.data!.createApiKey.secret;
    await svc.store.insert('events', [...hits(0), ...hits(1)]);
    const rows = [...visits(0), ...visits(1)].map((x) => ({
      site: SITE,
      visit_id: x.id,
      version: x.version,
      sign: x.sign,
      pid: x.pid,
      visitor_hash: x.hash,
      start: x.start,
      end: x.end,
      hits: x.pageviews + (x.events ?? 0),
      pageviews: x.pageviews,
      events: x.events ?? 0,
      entry_page: x.entry,
      entry_ts: x.start,
      exit_page: x.exit,
      exit_ts: x.end,
      host: 'v.example',
      referrer_source: x.source,
      browser: x.browser,
      retention_days: 395,
    }));
    // As the collector leaves them: each cancel row reaches the table after the version it cancels, in
    // another part (one insert block would be collapsed on insert), and no merge has run yet.
    await svc.store.command('SYSTEM STOP MERGES visits');
    await svc.store.insert('visits', rows.filter((r) => r.sign === 1));
    await svc.store.insert('visits', rows.filter((r) => r.sign === -1));
    expect(await svc.store.query('SELECT count() AS n FROM visits WHERE sign = -1')).toEqual([{ n: '4' }]);
    await svc.store.insert('visit_aliases', [0, 1].map((t) => ({ site: SITE, visit_id: 106 + t * 1000, alias_of: 105 + t * 1000, pid: 3 + t * 100, at: at('14:20'), retention_days: 395 })));
  });
  afterAll(() => svc?.stop());

  const stats = async (body: string, args = '', from = DAY, to = DAY) => {
    const r = await svc.gql<StatsResult>(key, 'STATISTICS', `query { stats(site: "${SITE}", from: "${from}", to: "${to}"${args}) ${body} }`);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.stats;
  };

  it('computes the totals of the day from the live visits only', async () => {
    const s = await stats('{ totals { visitors visits pageviews events viewsPerVisit bounceRate visitDuration } suppressedRows }');
    // DAY in Moscow is DAY-1 21:00 – DAY 21:00 UTC: V6 (23:30) is out. Live: V1 (3 pv, 600 s), V2 (1, 0),
    // V3 (1 pv + 1 event, 60), V4 (2, 600), V5 (3, 2400), V8 (1, 0), twice, and V7 (1, 0): 13 visits;
    // the pairs of V1 version 2 and of 106 add 0 to every sum.
    // Visitors: pid 1, 2, 3, 6 and hash 777, twice, and pid 5: 11. Pageviews 2 × 11 + 1 = 23, events 2.
    // Views per visit 23 / 13 = 1.769…; bounces (≤ 1 pageview) V2, V3, V8 twice and V7: 7 / 13 = 53.8 %;
    // duration 2 × 3660 / 13 = 563.08 s.
    expect(s.totals).toEqual({ visitors: 11, visits: 13, pageviews: 23, events: 2, viewsPerVisit: 1.77, bounceRate: 53.8, visitDuration: 563.1 });
    expect(s.suppressedRows).toBe(0);
  });

  it('groups by entry page; a cancelled version names no visitor', async () => {
    const s = await stats('{ rows { entryPage visitors visits } suppressedRows }');
    // /home: V1–V4 twice (8 visits) of pid 1, 2 and hash 777 twice (6); 106's cancelled pair (entry /home,
    // pid 3) adds no visit and no visitor. /blog (V7, one visitor) is suppressed.
    expect(s.rows).toEqual([
      { entryPage: '/home', visitors: 6, visits: 8 },
      { entryPage: '/pricing', visitors: 2, visits: 2 },
      { entryPage: '/products', visitors: 2, visits: 2 },
    ]);
    expect(s.suppressedRows).toBe(1);
  });

  it('groups by exit page, where the replaced version had another exit', async () => {
    const s = await stats('{ rows { exitPage visitors visits bounceRate } suppressedRows }');
    // /products: V8 twice. V1's version 2 exited there too, but is cancelled: pid 1 and 101 are not counted
    // (4 visitors, if it were). /home: V2–V5 twice, 8 visitors; bounces V2, V3: 4 / 8.
    expect(s.rows).toEqual([
      { exitPage: '/home', visitors: 8, visits: 8, bounceRate: 50 },
      { exitPage: '/checkout', visitors: 2, visits: 2, bounceRate: 0 },
      { exitPage: '/products', visitors: 2, visits: 2, bounceRate: 100 },
    ]);
    expect(s.suppressedRows).toBe(1);
  });

  it('groups by referrer source with a browser filter', async () => {
    const s = await stats('{ rows { referrerSource visitors visits bounceRate } }', ', filter: [{dimension: BROWSER, op: EQ, values: ["Firefox"]}]');
    // Firefox: V1, V5 (search, 3 pv each), V2 (direct, 1 pv), twice. 106 (direct, Firefox, pid 3) is
    // cancelled: direct has 2 visitors, not 4.
    expect(s.rows).toEqual([
      { referrerSource: 'search', visitors: 4, visits: 4, bounceRate: 0 },
      { referrerSource: 'direct', visitors: 2, visits: 2, bounceRate: 100 },
    ]);
  });

  it('buckets visits by their start day in the site zone', async () => {
    const s = await stats('{ rows { time visitors visits pageviews } totals { visitors visits } }', '', DAY, NEXT);
    // V6 starts 23:30 UTC, 02:30 on NEXT in Moscow; everything else on DAY (see the totals above).
    expect(s.rows).toEqual([
      { time: DAY, visitors: 11, visits: 13, pageviews: 23 },
      { time: NEXT, visitors: 2, visits: 2, pageviews: 2 },
    ]);
    expect(s.totals).toEqual({ visitors: 13, visits: 15 });
  });

  it('restricts visit metrics to visits with a hit on a page, through the aliases', async () => {
    const s = await stats('{ totals { visitors visits pageviews bounceRate } }', ', filter: [{dimension: PAGE, op: EQ, values: ["/home"]}]');
    // /home hits: V1–V4, and V5's 14:40 hit, which carries the id 106, aliased to 105; twice. V5 counts
    // whole (3 pv); without the alias it would be missing (8 visits of 6 visitors). Bounces V2, V3: 4 / 10.
    expect(s.totals).toEqual({ visitors: 8, visits: 10, pageviews: 20, bounceRate: 40 });
    const byBrowser = await stats('{ rows { browser visits } }', ', filter: [{dimension: PAGE, op: EQ, values: ["/about"]}, {dimension: BROWSER, op: NEQ, values: ["Chrome"]}]');
    expect(byBrowser.rows).toEqual([{ browser: 'Firefox', visits: 2 }]);
  });

  it('suppresses a total under k', async () => {
    const s = await stats('{ rows { visits } totals { visitors visits } suppressedRows }', ', filter: [{dimension: PAGE, op: EQ, values: ["/blog"]}]');
    // Only V7 has a /blog hit: one visitor, k = 2.
    expect(s).toEqual({ rows: [], totals: { visitors: null, visits: null }, suppressedRows: 1 });
  });
});
