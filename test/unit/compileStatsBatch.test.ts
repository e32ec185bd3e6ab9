import { describe, expect, it } from 'vitest';
import { BATCH_MAX_LIMIT, BATCH_MAX_SETS, batchKey, compileStatsBatch, groupBatches, isBatchable, splitStatsBatch } from '../../src/stats/compileStatsBatch.ts';
import type { StatsQuery } from '../../src/stats/compileStats.ts';
import { DIMENSIONS, type Dimension } from '../../src/stats/statsCatalog.ts';
import { parseStatsRange } from '../../src/stats/statsRange.ts';
import { toStatsValue } from '../../src/stats/statsResult.ts';

const HOSTILE = "x' OR 1=1; DROP TABLE events --";
const tab = (dimension: Dimension, extra: Partial<StatsQuery> = {}): StatsQuery => ({
  site: HOSTILE,
  timezone: 'Europe/Moscow',
  range: parseStatsRange('2026-11-01', '2026-11-07', 395),
  k: 2,
  dimensions: [dimension],
  interval: 'DAY',
  metrics: ['visitors', 'visits'],
  filters: [{ dimension: 'browser', op: 'EQ', values: [HOSTILE] }],
  order: [],
  limit: 10,
  offset: 0,
  ...extra,
});

describe('isBatchable', () => {
  it('takes breakdowns of one dimension in the default order, of visits or of hits', () => {
    expect(isBatchable(tab('referrerSource'))).toBe(true);
    expect(isBatchable(tab('time', { limit: 10_000 }))).toBe(true);
    expect(isBatchable(tab('page', { metrics: ['visitors', 'pageviews'] }))).toBe(true);
    expect(isBatchable(tab('referrerSource', { metrics: ['visitors', 'pageviews'] }))).toBe(true);
    expect(isBatchable(tab('entryPage', { metrics: ['visitors'] }))).toBe(true);
    // Shape 3: visits of the hits of a page.
    expect(isBatchable(tab('country', { filters: [{ dimension: 'page', op: 'EQ', values: ['/'] }] }))).toBe(true);
  });

  it('leaves visit windows over hits, several dimensions, an order and large pages to run alone', () => {
    expect(isBatchable(tab('page'))).toBe(false);
    expect(isBatchable(tab('browser', { dimensions: ['browser', 'os'] }))).toBe(false);
    expect(isBatchable(tab('browser', { dimensions: [] }))).toBe(false);
    expect(isBatchable(tab('browser', { order: [{ field: 'visits', direction: 'DESC' }] }))).toBe(false);
    expect(isBatchable(tab('browser', { limit: BATCH_MAX_LIMIT + 1 }))).toBe(false);
  });
});

describe('groupBatches', () => {
  const calls = (qs: StatsQuery[]) => qs.map((q) => ({ q }));

  it('puts calls over the same rows together, and apart when site, range, k or filters differ', () => {
    const same = calls([tab('browser'), tab('os'), tab('device', { metrics: ['bounceRate'] })]);
    expect(groupBatches(same)).toEqual([same]);
    const other = calls([tab('browser', { metrics: ['visitors'] }), tab('browser', { site: 'b' }), tab('browser', { k: 3 }), tab('browser', { filters: [] }), tab('browser', { range: parseStatsRange('2026-11-01', '2026-11-08', 395) })]);
    expect(groupBatches([...same, ...other])).toEqual([same, ...other.map((c) => [c])]);
    expect(new Set(other.map((c) => batchKey(c.q))).size).toBe(5);
  });

  it('pages one dimension twice in one set only while the span stays small', () => {
    const a = { q: tab('browser') };
    const b = { q: tab('browser', { offset: 5, limit: 1 }) };
    const far = { q: tab('browser', { offset: 5000, limit: 10 }) };
    expect(groupBatches([a, b, far])).toEqual([[a, b], [far]]);
    // Time rows are bounded by the number of buckets.
    const chart = { q: tab('time', { limit: 10_000 }) };
    const chart2 = { q: tab('time', { limit: 5 }) };
    expect(groupBatches([chart, a, chart2])).toEqual([[chart, a, chart2]]);
  });

  it('holds at most BATCH_MAX_SETS dimensions in a batch', () => {
    const many = DIMENSIONS.filter((d) => d !== 'time' && d !== 'page' && d !== 'eventName').map((d) => ({ q: tab(d) }));
    expect(many.length).toBeGreaterThan(BATCH_MAX_SETS);
    const groups = groupBatches(many);
    expect(groups.map((g) => g.length)).toEqual([BATCH_MAX_SETS, many.length - BATCH_MAX_SETS]);
  });
});

describe('compileStatsBatch', () => {
  const qs = [tab('browser'), tab('os', { metrics: ['visitors', 'bounceRate'] }), tab('browser', { offset: 2, limit: 3 })];

  it('groups by one set per dimension and the totals, every metric, values as parameters', () => {
    const b = compileStatsBatch(qs);
    expect(b.dims).toEqual(['browser', 'os']);
    expect(b.sql).toContain('GROUP BY GROUPING SETS ((d0), (d1), ())');
    expect(b.sql).toContain('multiIf(grouping(d0) = 0, 0, grouping(d1) = 0, 1, 2) AS gset');
    for (const m of ['visitors', 'visits', 'bounceRate']) expect(b.sql).toMatch(new RegExp(`AS ${m}\\b`));
    expect(b.sql).not.toContain(HOSTILE);
    expect(b.sql).not.toContain('Europe/Moscow');
    expect(b.params).toMatchObject({ site: HOSTILE, tz: 'Europe/Moscow', k: 2, f0_0: HOSTILE, lo0: 0, hi0: 10, lo1: 0, hi1: 10 });
    expect(b.sql).toContain('FROM visits');
    expect(b.sql).toContain('HAVING sum(sign) > 0');
  });

  it('orders the time set by time, the others by visitors, in one order', () => {
    const b = compileStatsBatch([tab('browser'), tab('time', { limit: 10_000 })]);
    expect(b.dims).toEqual(['time', 'browser']);
    expect(b.sql).toContain('ORDER BY gset, shown DESC, if(gset = 0, 0, visitors) DESC, d0 ASC, d1 ASC');
    expect(compileStatsBatch([tab('browser')]).sql).toContain('ORDER BY gset, shown DESC, visitors DESC, d0 ASC');
  });

  it('reads the hits for calls of shape 1', () => {
    const b = compileStatsBatch([tab('page', { metrics: ['visitors', 'pageviews'] }), tab('eventName', { metrics: ['visitors', 'events'] })]);
    expect(b.sql).toContain('FROM events');
    expect(b.sql).not.toContain('FROM visits');
    expect(b.sql).toContain('GROUP BY GROUPING SETS ((d0), (d1), ())');
    expect(b.sql).toContain('path AS d0, name AS d1');
    expect(b.sql).not.toContain(HOSTILE);
  });

  it("splits each call's page, totals and suppressed count back out", () => {
    const b = compileStatsBatch(qs);
    const row = (gset: number, rn: number, d0: string | null, d1: string | null, visitors: number) => ({ d0, d1, gset, is_total: gset === 2 ? 1 : 0, visitors, visits: visitors, bounceRate: 50, suppressed0: 4, suppressed1: 1, rn });
    const out = [row(0, 1, 'Firefox', null, 9), row(0, 2, 'Chrome', null, 7), row(0, 3, 'Safari', null, 5), row(0, 4, 'Edge', null, 3), row(1, 1, null, 'Linux', 8), row(2, 1, null, null, 20)];
    const value = (i: number) => {
      const q = qs[i]!;
      const { rows, compiled } = splitStatsBatch(out, b, q);
      return toStatsValue(rows, compiled, false, q.k);
    };
    expect(value(0)).toEqual({
      rows: ['Firefox', 'Chrome', 'Safari', 'Edge'].map((browser, i) => ({ browser, visitors: [9, 7, 5, 3][i], visits: [9, 7, 5, 3][i] })),
      totals: { browser: null, visitors: 20, visits: 20 },
      suppressedRows: 4,
    });
    expect(value(1)).toEqual({ rows: [{ os: 'Linux', visitors: 8, bounceRate: 50 }], totals: { os: null, visitors: 20, bounceRate: 50 }, suppressedRows: 1 });
    expect(value(2).rows.map((r) => r.browser)).toEqual(['Safari', 'Edge']);
  });
});
