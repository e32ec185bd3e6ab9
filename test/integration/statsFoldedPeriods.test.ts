// The previous period's chart folded into the current period's batch of visits (compileStatsBatch.ts
// foldEarlierCharts): one statement reads both periods, and every alias must answer exactly what it answers
// in a request of its own. Both periods hold visits, rows under k, a visit starting just before the
// boundary (in the site's zone, not UTC) and week buckets that straddle it. Two sites get the same hits,
// so the batched request is never answered from the separate requests' cache.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_UA, startTestService, type TestService } from '../support/testService.ts';

const dayAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SOURCES = ['https://yandex.ru/search/?text=x', 'https://vk.com/feed', '', 'https://news.example.org/a'];

/** Fourteen days of twin visitors (rows reach k = 2) and lone ones (suppressed), different each day. */
function hits(site: string) {
  const out: Array<Record<string, unknown>> = [];
  const h = (cid: string, day: string, hhmm: string, path: string, extra: Record<string, unknown> = {}) =>
    out.push({ site, url: `https://${site}.example${path}`, ts: Date.parse(`${day}T${hhmm}:00Z`), cid, ua: BROWSER_UA, ip: '198.51.100.7', ...extra });
  for (let i = 1; i <= 14; i++) {
    const day = dayAgo(i);
    for (const twin of ['', '-twin']) {
      h(`A${i % 3}${twin}`, day, '09:00', `/p/${i % 4}`, { referrer: SOURCES[i % 4] });
      h(`A${i % 3}${twin}`, day, '09:04', '/home');
      if (i % 2 === 0) h(`B${twin}`, day, '12:00', '/pricing', { referrer: SOURCES[(i + 1) % 4], ua: CHROME_UA });
      // 20:50 UTC is 23:50 in Moscow: the visit starts on this local day and goes on past its midnight.
      h(`C${i}${twin}`, day, '20:50', '/late');
      h(`C${i}${twin}`, day, '21:15', '/later');
    }
    h(`L${i}`, day, '15:00', `/lone/${i}`, { referrer: 'https://t.me/x', ua: i % 2 === 0 ? CHROME_UA : BROWSER_UA });
  }
  return out;
}

type Stats = { rows: Array<Record<string, unknown>>; totals?: Record<string, unknown>; suppressedRows: number };
const CARDS = 'totals { visitors visits pageviews viewsPerVisit bounceRate visitDuration } suppressedRows';

/** The overview's fields (web/screens/overview/query.ts): both charts, two visit tabs and a hit tab. */
function fields(site: string, cur: { from: string; to: string }, prev: { from: string; to: string }, interval: string, filter: string) {
  const args = (r: { from: string; to: string }) => `site: "${site}", from: "${r.from}", to: "${r.to}"${filter}`;
  return {
    chart: `stats(${args(cur)}, limit: 10000) { rows { time(interval: ${interval}) visitors pageviews } ${CARDS} }`,
    prevChart: `stats(${args(prev)}, limit: 10000) { rows { time(interval: ${interval}) visitors pageviews } ${CARDS} }`,
    sources: `stats(${args(cur)}, limit: 10) { rows { referrerSource visitors visits } suppressedRows }`,
    browsers: `stats(${args(cur)}, limit: 1) { rows { browser visitors visits } suppressedRows }`,
    pages: `stats(${args(cur)}, limit: 10) { rows { page visitors pageviews } suppressedRows }`,
  };
}

describe('the previous period folded into the current batch', () => {
  let svc: TestService;
  let key: string;
  let statements: string[] = [];
  beforeAll(async () => {
    svc = await startTestService();
    for (const id of ['fsep', 'fbat']) {
      const made = await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { createSite(id: "${id}", name: "${id}", hostnames: ["${id}.example"], timezone: "Europe/Moscow", kAnonymity: 2) { id } }`);
      expect(made.errors).toBeUndefined();
      const body = hits(id);
      const res = await fetch(`${svc.url}/v1/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION' },
        body: body.map((e) => JSON.stringify(e)).join('\n'),
      });
      expect(await res.json()).toEqual({ accepted: body.length, rejected: [] });
    }
    const made = await svc.gql<{ createApiKey: { secret: string } }>(svc.adminKey, 'ADMINISTRATION', 'mutation { createApiKey(name: "s", purposes: [STATISTICS], sites: ["fsep", "fbat"]) { secret } }');
    key = made.data!.createApiKey.secret;
    await svc.flush();
    const query = svc.store.query.bind(svc.store);
    svc.store.query = ((sql: string, ...rest: unknown[]) => {
      if (sql.includes('grouped AS (')) statements.push(sql);
      return (query as (...a: unknown[]) => Promise<unknown[]>)(sql, ...rest);
    }) as typeof svc.store.query;
  });
  afterAll(() => svc?.stop());

  const gql = async (query: string) => {
    const r = await svc.gql<Record<string, Stats>>(key, 'STATISTICS', query);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!;
  };

  /** Each alias in a request of its own, then all in one: the same answers, in `expected` statements. */
  async function compare(cur: { from: string; to: string }, prev: { from: string; to: string }, interval: string, filter: string, expected: number) {
    const separate: Record<string, Stats> = {};
    for (const [alias, field] of Object.entries(fields('fsep', cur, prev, interval, filter))) Object.assign(separate, await gql(`query { ${alias}: ${field} }`));
    statements = [];
    const batched = await gql(`query { ${Object.entries(fields('fbat', cur, prev, interval, filter)).map(([a, f]) => `${a}: ${f}`).join(' ')} }`);
    expect(batched).toEqual(separate);
    expect(statements.length).toBe(expected);
    return separate;
  }

  it('answers both charts, with their totals and suppressed rows, as each alone (week buckets straddle the boundary)', async () => {
    // By week the tabs (the same fields as by day) come from the cache: the charts alone, in one statement.
    for (const [interval, expected] of [['DAY', 2], ['WEEK', 1]] as const) {
      const separate = await compare({ from: dayAgo(7), to: dayAgo(1) }, { from: dayAgo(14), to: dayAgo(8) }, interval, '', expected);
      // The data reach what the test means to cover: both periods with rows, totals and suppressed rows.
      for (const c of [separate.chart!, separate.prevChart!]) {
        expect(c.rows.length).toBeGreaterThan(1);
        expect(Number(c.totals!.visitors)).toBeGreaterThan(2);
      }
      expect(separate.chart!.totals).not.toEqual(separate.prevChart!.totals);
    }
    const hourly = await compare({ from: dayAgo(2), to: dayAgo(2) }, { from: dayAgo(3), to: dayAgo(3) }, 'HOUR', '', 2);
    expect(hourly.prevChart!.suppressedRows).toBeGreaterThan(0);
    expect(hourly.sources!.suppressedRows).toBeGreaterThan(0);
  });

  it('folds under a visit filter, and leaves a period that does not end where the other starts alone', async () => {
    await compare({ from: dayAgo(7), to: dayAgo(1) }, { from: dayAgo(14), to: dayAgo(8) }, 'DAY', ', filter: [{ dimension: BROWSER, op: NEQ, values: ["Chrome"] }]', 2);
    await compare({ from: dayAgo(5), to: dayAgo(1) }, { from: dayAgo(14), to: dayAgo(10) }, 'DAY', '', 3);
    // A page filter (shape 3) is not folded: its rows are tested against the range's end.
    await compare({ from: dayAgo(7), to: dayAgo(1) }, { from: dayAgo(14), to: dayAgo(8) }, 'DAY', ', filter: [{ dimension: PAGE, op: EQ, values: ["/home"] }]', 3);
  });
});
