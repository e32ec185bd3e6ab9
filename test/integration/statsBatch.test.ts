// The `stats` aliases of one request over the same visits run as one query (src/stats/statsBatch.ts):
// every alias must answer exactly what it answers in a request of its own, and fewer statements reach
// ClickHouse. Two sites get the same hits, so neither request is answered from the other's cache.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_TABS } from '../../web/screens/overview/panels.ts';
import { overviewQuery } from '../../web/screens/overview/query.ts';
import { BROWSER_UA, startTestService, type TestService } from '../support/testService.ts';

const DAY = new Date(Date.now() - 14 * 86_400_000).toISOString().slice(0, 10);
const PREV = new Date(Date.now() - 15 * 86_400_000).toISOString().slice(0, 10);
const at = (hhmm: string) => Date.parse(`${DAY}T${hhmm}:00Z`);
const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** Pairs of visitors doing the same (so rows reach k = 2), and lone ones whose rows are suppressed. */
function hits(site: string) {
  const out: Array<Record<string, unknown>> = [];
  const h = (cid: string, hhmm: string, path: string, extra: Record<string, unknown> = {}) =>
    out.push({ site, url: `https://${site}.example${path}`, ts: at(hhmm), cid, ua: BROWSER_UA, ip: '198.51.100.7', ...extra });
  for (const twin of ['', '-twin']) {
    h(`A${twin}`, '10:00', '/home', { referrer: 'https://yandex.ru/search/?text=x' });
    h(`A${twin}`, '10:05', '/products');
    h(`A${twin}`, '10:10', '/checkout');
    h(`A${twin}`, '12:30', '/home');
    h(`B${twin}`, '10:00', '/home?utm_source=vk&utm_medium=social&utm_campaign=spring', { referrer: 'https://vk.com/feed', ua: CHROME_UA });
    h(`B${twin}`, '10:01', '/home', { type: 'event', name: 'signup' });
    h(`C${twin}`, '13:00', '/pricing', { referrer: 'https://google.com/', ua: CHROME_UA });
    h(`C${twin}`, '13:02', '/products', { ua: CHROME_UA });
    h(`E${twin}`, '15:00', '/blog?utm_source=news', { referrer: 'https://news.example.org/a' });
  }
  h('L1', '16:00', '/about', { referrer: 'https://bing.com/' });
  h('L2', '17:00', '/home?utm_source=mail', { ua: CHROME_UA });
  h('L3', '18:00', '/products', { referrer: 'https://t.me/x' });
  return out;
}

type Stats = { rows: Array<Record<string, unknown>>; totals?: Record<string, unknown>; suppressedRows: number };
const ARGS = (site: string) => `site: "${site}", from: "${DAY}", to: "${DAY}"`;
const FILTER = ', filter: [{ dimension: BROWSER, op: NEQ, values: ["Safari"] }]';

/**
 * Hand-written aliases: visit tabs with a filter, paging (one dimension paged three ways), totals and
 * k-suppressed rows, charts by time of visits and of hits, hit tabs, and visit tabs with a page filter.
 */
const aliases = (site: string): Record<string, string> => ({
  sources: `stats(${ARGS(site)}${FILTER}, limit: 10) { rows { referrerSource visitors visits } totals { visitors visits } suppressedRows }`,
  sourcesPage2: `stats(${ARGS(site)}${FILTER}, limit: 1, offset: 1) { rows { referrerSource visitors bounceRate } suppressedRows }`,
  sourcesPage2b: `stats(${ARGS(site)}${FILTER}, limit: 1, offset: 1) { rows { referrerSource visits } suppressedRows }`,
  sourcesPage1: `stats(${ARGS(site)}${FILTER}, limit: 1) { rows { referrerSource visitors } suppressedRows }`,
  hosts: `stats(${ARGS(site)}${FILTER}, limit: 2) { rows { referrerHost visitors visits pageviews } totals { visitors pageviews viewsPerVisit visitDuration } suppressedRows }`,
  utm: `stats(${ARGS(site)}${FILTER}, limit: 10) { rows { utmSource visitors visits } suppressedRows }`,
  entries: `stats(${ARGS(site)}${FILTER}, limit: 10) { rows { entryPage visitors visits bounceRate } suppressedRows }`,
  exits: `stats(${ARGS(site)}${FILTER}, limit: 10) { rows { exitPage visitors visits } suppressedRows }`,
  browsers: `stats(${ARGS(site)}${FILTER}, limit: 10) { rows { browser visitors visits events } suppressedRows }`,
  chart: `stats(${ARGS(site)}${FILTER}, limit: 10000) { rows { time(interval: HOUR) visitors pageviews } totals { visitors visits pageviews viewsPerVisit bounceRate visitDuration } suppressedRows }`,
  chartPage: `stats(${ARGS(site)}${FILTER}, limit: 2, offset: 1) { rows { time(interval: HOUR) visitors visits } suppressedRows }`,
  hitChart: `stats(${ARGS(site)}${FILTER}, limit: 10000) { rows { time(interval: HOUR) visitors pageviews } totals { visitors events } suppressedRows }`,
  events: `stats(${ARGS(site)}${FILTER}, limit: 10) { rows { eventName visitors events } suppressedRows }`,
  pages: `stats(${ARGS(site)}${FILTER}, limit: 10) { rows { page visitors pageviews } suppressedRows }`,
  ofHome: `stats(${ARGS(site)}, filter: [{ dimension: PAGE, op: EQ, values: ["/home"] }], limit: 10) { rows { referrerSource visitors visits } suppressedRows }`,
  ofHomeExits: `stats(${ARGS(site)}, filter: [{ dimension: PAGE, op: EQ, values: ["/home"] }], limit: 10) { rows { exitPage visitors visits } suppressedRows }`,
});

describe('stats batching', () => {
  let svc: TestService;
  let key: string;
  let statements: string[] = [];
  beforeAll(async () => {
    svc = await startTestService();
    for (const id of ['sepa', 'bat', 'osep', 'obat']) {
      const made = await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { createSite(id: "${id}", name: "${id}", hostnames: ["${id}.example"], timezone: "UTC", kAnonymity: 2) { id } }`);
      expect(made.errors).toBeUndefined();
      const body = hits(id);
      const res = await fetch(`${svc.url}/v1/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION' },
        body: body.map((e) => JSON.stringify(e)).join('\n'),
      });
      expect(await res.json()).toEqual({ accepted: body.length, rejected: [] });
    }
    const made = await svc.gql<{ createApiKey: { secret: string } }>(svc.adminKey, 'ADMINISTRATION', 'mutation { createApiKey(name: "s", purposes: [STATISTICS], sites: ["sepa", "bat", "osep", "obat"]) { secret } }');
    key = made.data!.createApiKey.secret;
    await svc.flush();
    // A spy on the real store: it counts the statements, the engine answers them.
    const query = svc.store.query.bind(svc.store);
    svc.store.query = ((sql: string, ...rest: unknown[]) => {
      // Only statistics: the service's own background reads (sites, visit state) are not counted.
      if (sql.includes('grouped AS (')) statements.push(sql);
      return (query as (...a: unknown[]) => Promise<unknown[]>)(sql, ...rest);
    }) as typeof svc.store.query;
  });
  afterAll(() => svc?.stop());

  const gql = async (query: string, variables?: Record<string, unknown>) => {
    const r = await svc.gql<Record<string, Stats>>(key, 'STATISTICS', query, variables);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!;
  };

  it('answers many aliases in one request exactly as each alone, in fewer statements', async () => {
    const separate: Record<string, Stats> = {};
    for (const [alias, field] of Object.entries(aliases('sepa'))) Object.assign(separate, await gql(`query { ${alias}: ${field} }`));
    statements = [];
    const batched = await gql(`query { ${Object.entries(aliases('bat')).map(([a, f]) => `${a}: ${f}`).join(' ')} }`);
    expect(batched).toEqual(separate);
    // The visit aliases → one query per filter (browser; page); the hit aliases (`pages`, `events`,
    // `hitChart` and `sourcesPage1`, visitors only) → one more.
    expect(statements.length).toBe(3);
    expect(separate.chart!.rows.length).toBeGreaterThan(3);
    expect(separate.chartPage!.rows.length).toBe(2);
    // The data reach what the test means to cover: suppressed rows, paging, more than one row.
    expect(separate.hosts!.suppressedRows).toBeGreaterThan(0);
    expect(separate.utm!.suppressedRows).toBeGreaterThan(0);
    expect(separate.sources!.rows.length).toBeGreaterThan(2);
    expect(separate.sourcesPage2!.rows).toEqual([{ referrerSource: separate.sources!.rows[1]!.referrerSource, visitors: separate.sources!.rows[1]!.visitors, bounceRate: expect.any(Number) }]);
    expect(separate.ofHome!.rows.length).toBeGreaterThan(0);
  });

  it("answers the dashboard overview's request as its aliases alone", async () => {
    const range = { from: DAY, to: DAY };
    const previous = { from: PREV, to: PREV };
    const filters = [{ dimension: 'browser' as const, value: 'Firefox' }];
    const separate: Record<string, Stats> = {};
    for (const t of ALL_TABS) {
      const one = overviewQuery('osep', range, 'DAY', filters, { tabs: [t], previous });
      Object.assign(separate, await gql(one.query, one.variables));
    }
    statements = [];
    const all = overviewQuery('obat', range, 'DAY', filters, { previous });
    const batched = await gql(all.query, all.variables);
    expect(batched).toEqual(separate);
    // The chart with the twelve visit tabs, pages with events, and the previous period's chart.
    expect(statements.length).toBe(3);
    expect(Object.keys(batched).length).toBe(ALL_TABS.length + 2);
  });

  it("answers a chart's first page alone (its tail taken in JavaScript) as its batch's query does", async () => {
    // Alone, a query by time takes its first page's tail in JavaScript (statsQuery.ts tailInJs); batched,
    // in the query. Cut short (limit 2), in full, of visits, of hits, with hours under k = 2.
    const charts = (site: string) => ({
      top2: `stats(${ARGS(site)}${FILTER}, limit: 2) { rows { time(interval: HOUR) visitors visits } totals { visitors visits } suppressedRows }`,
      all: `stats(${ARGS(site)}, limit: 50) { rows { time(interval: HOUR) visitors bounceRate } totals { visitors visitDuration } suppressedRows }`,
      hitsTop2: `stats(${ARGS(site)}, limit: 2) { rows { time(interval: HOUR) visitors pageviews } suppressedRows }`,
      hitsAll: `stats(${ARGS(site)}${FILTER}, limit: 50) { rows { time(interval: HOUR) visitors events } totals { visitors } suppressedRows }`,
      // Every hour under k and no totals: the count must still come (one visitor saw /about).
      lone: `stats(${ARGS(site)}, filter: [{ dimension: PAGE, op: EQ, values: ["/about"] }], limit: 10) { rows { time(interval: HOUR) visitors } suppressedRows }`,
      loneVisits: `stats(${ARGS(site)}, filter: [{ dimension: PAGE, op: EQ, values: ["/about"] }], limit: 10) { rows { time(interval: HOUR) visits } suppressedRows }`,
      // Batched with each chart above: a tab over the same rows.
      sources: `stats(${ARGS(site)}, limit: 10) { rows { referrerSource visitors visits } suppressedRows }`,
      sourcesF: `stats(${ARGS(site)}${FILTER}, limit: 10) { rows { referrerSource visitors visits } suppressedRows }`,
      pages: `stats(${ARGS(site)}, limit: 10) { rows { page visitors } suppressedRows }`,
      pagesF: `stats(${ARGS(site)}${FILTER}, limit: 10) { rows { page visitors } suppressedRows }`,
    });
    const separate: Record<string, Stats> = {};
    for (const [alias, field] of Object.entries(charts('sepa'))) Object.assign(separate, await gql(`query { ${alias}: ${field} }`));
    const batched = await gql(`query { ${Object.entries(charts('bat')).map(([a, f]) => `${a}: ${f}`).join(' ')} }`);
    expect(batched).toEqual(separate);
    expect(separate.top2!.rows.length).toBe(2);
    expect(separate.hitsTop2!.rows.length).toBe(2);
    expect(separate.all!.rows.length).toBeGreaterThan(2);
    expect(separate.all!.suppressedRows).toBeGreaterThan(0);
    expect(separate.hitsAll!.suppressedRows).toBeGreaterThan(0);
    expect(separate.lone).toEqual({ rows: [], suppressedRows: 1 });
    expect(separate.loneVisits).toEqual({ rows: [], suppressedRows: 1 });
  });
});
