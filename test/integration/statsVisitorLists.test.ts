// A hits breakdown counts its visitors from each group's list of visitor keys (compileHitStats.ts,
// VISITORS_BY_LISTS_SQL): the answers must be those of `uniq(vkey)` over the same hits, below its exact
// bound (65 536 distinct values) and above it, where `uniq` estimates; and a query stopped at the lists'
// memory bound must be answered with `uniq` states instead, not fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileStats } from '../../src/stats/compileStats.ts';
import { createStatsBatcher } from '../../src/stats/statsBatch.ts';
import { createVisitorListsMemo } from '../../src/stats/visitorLists.ts';
import { parseStatsRange } from '../../src/stats/statsRange.ts';
import { STATS_QUERY_SETTINGS } from '../../src/stats/statsResolvers.ts';
import type { StatsQuery } from '../../src/stats/statsQuery.ts';
import type { ResultRow } from '../../src/stats/statsResult.ts';
import { siteWithKey, startTestService, type TestService } from '../support/testService.ts';

const SITE = 'lists';
const VISIT_SITE = 'listvisits';
const DAY = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
// Distinct visitors per page: /big above uniq's exact bound, the others below; /few under k (suppressed).
const PAGES = { '/big': 150_000, '/mid': 40_000, '/small': 700, '/few': 2 } as const;

describe('visitors from lists', () => {
  let svc: TestService;
  let key: string;
  let visitKey: string;
  beforeAll(async () => {
    svc = await startTestService();
    key = await siteWithKey(svc, SITE, ['STATISTICS'], ', timezone: "UTC", kAnonymity: 5');
    visitKey = await siteWithKey(svc, VISIT_SITE, ['STATISTICS'], ', timezone: "UTC", kAnonymity: 5');
    // Rows made by the engine (a cookie per visitor, two hits each on /big, one elsewhere), straight into
    // the table: the answers compared are the engine's own either way.
    let first = 1;
    for (const [path, n] of Object.entries(PAGES)) {
      await svc.store.command(
        `INSERT INTO events (site, ts, event_id, pid, type, path, retention_days)
         SELECT {site:String}, toDateTime64({day:String}, 3, 'UTC') + toIntervalSecond(number % 80000), toString(number), {first:UInt64} + intDiv(number, {per:UInt64}), 'pageview', {path:String}, 400
         FROM numbers({rows:UInt64})`,
        { site: SITE, day: DAY, first, path, per: path === '/big' ? 2 : 1, rows: path === '/big' ? 2 * n : n },
      );
      // Overlapping visitors between pages: /mid's are among /big's.
      if (path === '/big') continue;
      first += n;
    }
    // Visits of their own (a site without hits, so the hits' tests above are not touched): 120 000
    // visitors over two sources and 30 countries, one visit each; and a cancelled version of 2 000 more.
    await svc.store.command(
      `INSERT INTO visits (site, visit_id, version, sign, pid, start, end, hits, pageviews, referrer_source, country, retention_days)
       SELECT {site:String}, number + 1, 1, 1, number + 1, toDateTime64({day:String}, 3, 'UTC') + toIntervalSecond(number % 80000),
         toDateTime64({day:String}, 3, 'UTC') + toIntervalSecond(number % 80000 + 60), 2, 2, if(number % 7 = 0, 'search', 'direct'), toString(number % 30), 400
       FROM numbers(122000)`,
      { site: VISIT_SITE, day: DAY },
    );
    await svc.store.command(
      `INSERT INTO visits (site, visit_id, version, sign, pid, start, end, hits, pageviews, referrer_source, country, retention_days)
       SELECT site, visit_id, version, -1, pid, start, end, hits, pageviews, referrer_source, country, retention_days FROM visits
       WHERE site = {site:String} AND visit_id > 120000`,
      { site: VISIT_SITE },
    );
  }, 120_000);
  afterAll(() => svc?.stop());

  const byStates = async () =>
    svc.store.query<{ page: string; visitors: string; pageviews: string }>(
      `SELECT path AS page, uniq(visitor_key) AS visitors, count() AS pageviews FROM events
       WHERE site = {site:String} AND is_bot = 0 GROUP BY path ORDER BY visitors DESC`,
      { site: SITE },
    );

  it('answers as uniq over the hits, below and above its exact bound', async () => {
    const r = await svc.gql<{ pages: { rows: Array<{ page: string; visitors: number; pageviews: number }>; suppressedRows: number } }>(
      key,
      'STATISTICS',
      `{ pages: stats(site: "${SITE}", from: "${DAY}", to: "${DAY}", limit: 10) { rows { page visitors pageviews } suppressedRows } }`,
    );
    expect(r.errors).toBeUndefined();
    const expected = (await byStates()).filter((x) => Number(x.visitors) >= 5).map((x) => ({ page: x.page, visitors: Number(x.visitors), pageviews: Number(x.pageviews) }));
    expect(r.data!.pages.rows).toEqual(expected);
    expect(r.data!.pages.suppressedRows).toBe(1);
    // The exact counts where uniq is exact; an estimate, not the true 150 000, above (so the test can tell).
    const got = Object.fromEntries(r.data!.pages.rows.map((x) => [x.page, x.visitors]));
    expect(got['/mid']).toBe(40_000);
    expect(got['/small']).toBe(700);
    expect(got['/big']).not.toBe(150_000);
    expect(Math.abs(got['/big']! - 150_000)).toBeLessThan(3_000);
  });

  it('answers as uniq in a batch (pages with events, one query of grouping sets)', async () => {
    const r = await svc.gql<{ pages: { rows: Array<{ page: string; visitors: number; pageviews: number }> }; events: { rows: Array<{ eventName: string; visitors: number }> } }>(
      key,
      'STATISTICS',
      `{ pages: stats(site: "${SITE}", from: "${DAY}", to: "${DAY}", limit: 11) { rows { page visitors pageviews } suppressedRows }
         events: stats(site: "${SITE}", from: "${DAY}", to: "${DAY}", limit: 12) { rows { eventName visitors } suppressedRows } }`,
    );
    expect(r.errors).toBeUndefined();
    const states = await byStates();
    expect(r.data!.pages.rows).toEqual(states.filter((x) => Number(x.visitors) >= 5).map((x) => ({ page: x.page, visitors: Number(x.visitors), pageviews: Number(x.pageviews) })));
    // Every hit is a pageview (no event name): one group of every visitor.
    const [all] = await svc.store.query<{ v: string }>(`SELECT uniq(visitor_key) AS v FROM events WHERE site = {site:String}`, { site: SITE });
    expect(r.data!.events.rows).toEqual([{ eventName: '', visitors: Number(all!.v) }]);
  });

  it('answers as uniqIf over the live visit rows in a batch of visit tabs', async () => {
    const r = await svc.gql<Record<string, { rows: Array<Record<string, string | number>> }>>(
      visitKey,
      'STATISTICS',
      `{ sources: stats(site: "${VISIT_SITE}", from: "${DAY}", to: "${DAY}", limit: 10) { rows { referrerSource visitors visits } }
         countries: stats(site: "${VISIT_SITE}", from: "${DAY}", to: "${DAY}", limit: 40) { rows { country visitors visits } } }`,
    );
    expect(r.errors).toBeUndefined();
    // The reference: uniq over the +1 rows without a cancel, grouped alone.
    const reference = (column: string) =>
      svc.store.query<{ value: string; visitors: string; visits: string }>(
        `SELECT ${column} AS value, uniqIf(pid, sign = 1 AND visit_id <= 120000) AS visitors, sum(sign) AS visits FROM visits
         WHERE site = {site:String} GROUP BY value ORDER BY visitors DESC, value`,
        { site: VISIT_SITE },
      );
    const sources = await reference('referrer_source');
    expect(r.data!.sources!.rows).toEqual(sources.map((x) => ({ referrerSource: x.value, visitors: Number(x.visitors), visits: Number(x.visits) })));
    // 'direct' holds above 65 536 visitors: uniq's estimate, the same either way.
    expect(Number(sources[0]!.visitors)).toBeGreaterThan(65_536);
    const countries = await reference('country');
    expect(r.data!.countries!.rows).toEqual(countries.map((x) => ({ country: x.value, visitors: Number(x.visitors), visits: Number(x.visits) })));
  });

  it('asks again with uniq states when the engine stops the lists at their memory bound', async () => {
    const q: StatsQuery = {
      site: SITE,
      timezone: 'UTC',
      range: parseStatsRange(DAY, DAY, 400),
      k: 5,
      dimensions: ['page'],
      interval: 'DAY',
      metrics: ['visitors', 'pageviews'],
      filters: [],
      order: [],
      limit: 10,
      offset: 0,
      totals: false,
    };
    const compiled = compileStats(q);
    expect(compiled.visitorLists).toBe(true);
    const sent: string[] = [];
    // The engine given a bound the lists cannot fit in (the statement's own, 1 MB): it stops them.
    const runSql = (sql: string, params: Record<string, unknown>) => {
      sent.push(sql);
      return svc.store.query<ResultRow>(sql.replace(/max_memory_usage = \d+/, 'max_memory_usage = 1000000'), params, STATS_QUERY_SETTINGS);
    };
    const memo = createVisitorListsMemo();
    const answer = await createStatsBatcher(runSql, undefined, memo).enter().run(q, compiled);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toContain('groupArray(vkey)');
    expect(sent[1]).not.toContain('groupArray');
    expect(sent[1]).toContain('uniq(vkey)');
    const expected = (await byStates()).filter((x) => Number(x.visitors) >= 5).map((x) => ({ page: x.page, visitors: Number(x.visitors), pageviews: Number(x.pageviews) }));
    expect(answer.rows).toEqual(expected);
    expect(answer.suppressedRows).toBe(1);
    // The site's next query (another operation, the same memo) goes to the states at once.
    sent.length = 0;
    expect(await createStatsBatcher(runSql, undefined, memo).enter().run(q, compiled)).toEqual(answer);
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toContain('groupArray');

    // A batch likewise: pages and events of one operation, one query of grouping sets, then its states' twin.
    sent.length = 0;
    const batcher = createStatsBatcher(runSql);
    const [pages, events] = [batcher.enter(), batcher.enter()];
    const eventsQ: StatsQuery = { ...q, dimensions: ['eventName'], metrics: ['visitors', 'events'] };
    const answers = await Promise.all([pages.run(q, compiled), events.run(eventsQ, compileStats(eventsQ))]);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toContain('GROUPING SETS');
    expect(sent[0]).toContain('groupArray(vkey)');
    expect(sent[1]).toContain('GROUPING SETS');
    expect(sent[1]).not.toContain('groupArray');
    expect(answers[0]).toEqual(answer);
    expect(answers[1].rows).toHaveLength(1);

    // And a batch of visit tabs.
    sent.length = 0;
    const visitQ = (d: 'referrerSource' | 'country'): StatsQuery => ({ ...q, site: VISIT_SITE, dimensions: [d], metrics: ['visitors', 'visits'], limit: 40 });
    const alone = await Promise.all([visitQ('referrerSource'), visitQ('country')].map((v) => createStatsBatcher((sql, p) => svc.store.query<ResultRow>(sql, p, STATS_QUERY_SETTINGS)).enter().run(v, compileStats(v))));
    const visitBatcher = createStatsBatcher(runSql);
    const tickets = [visitBatcher.enter(), visitBatcher.enter()];
    const batched = await Promise.all([visitQ('referrerSource'), visitQ('country')].map((v, i) => tickets[i]!.run(v, compileStats(v))));
    expect(sent.filter((x) => x.includes('GROUPING SETS'))).toHaveLength(2);
    expect(sent.find((x) => x.includes('GROUPING SETS'))).toContain('groupArrayIf(vkey, live)');
    expect(sent.filter((x) => x.includes('GROUPING SETS')).at(-1)).not.toContain('groupArray');
    expect(batched).toEqual(alone);
  });
});
