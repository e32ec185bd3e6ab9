// The overview's request (web/screens/overview/query.ts, state.ts): every number in one request, valid
// against the real schema and inside the API's query limits; the URL state.
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/graphql/buildSchema.ts';
import { DEFAULT_QUERY_LIMITS, queryLimitsRule } from '../../src/graphql/queryLimits.ts';
import { ALL_TABS, FIRST_TABS, OTHER_TABS, PANELS } from '../../web/screens/overview/panels.ts';
import { change, overviewQuery, readOverview, readTabs, share, tabsQuery } from '../../web/screens/overview/query.ts';
import { apiFilters, readState, withFilter, writeState } from '../../web/screens/overview/state.ts';

const schema = buildSchema([]);
const range = { from: '2026-11-01', to: '2026-11-30' };
const filters = [{ dimension: 'page', value: '/pricing' }, { dimension: 'country', value: 'RU' }] as const;

function check(query: string) {
  const doc = parse(query, { maxTokens: DEFAULT_QUERY_LIMITS.maxTokens });
  return validate(schema, doc, [queryLimitsRule(DEFAULT_QUERY_LIMITS)]).map((e) => e.message);
}

describe('overview queries', () => {
  const aliasesOf = (query: string) => {
    const op = parse(query).definitions[0];
    return op?.kind === 'OperationDefinition' ? op.selectionSet.selections.map((s) => (s.kind === 'Field' ? (s.alias?.value ?? s.name.value) : undefined)) : [];
  };
  it('every number is one operation: chart with totals, one alias per tab, the previous period, realtime', () => {
    const q = overviewQuery('shop', range, 'DAY', [...filters], { previous: { from: '2026-10-02', to: '2026-10-31' }, realtime: true });
    expect(check(q.query)).toEqual([]);
    expect(parse(q.query).definitions).toHaveLength(1);
    expect(aliasesOf(q.query)).toEqual(['chart', ...ALL_TABS.map((t) => t.id), 'prevChart', 'realtime']);
    expect(q.query.match(/time\(interval: DAY\)/g)).toHaveLength(2);
    expect(q.variables).toEqual({
      site: 'shop',
      from: '2026-11-01',
      to: '2026-11-30',
      prevFrom: '2026-10-02',
      prevTo: '2026-10-31',
      limit: 10,
      filter: [
        { dimension: 'PAGE', op: 'EQ', values: ['/pricing'] },
        { dimension: 'COUNTRY', op: 'EQ', values: ['RU'] },
      ],
    });
  });
  it('the first request asks the tab each panel opens on; the second the other tabs alone, read by tab', () => {
    expect(FIRST_TABS.map((t) => t.id)).toEqual(PANELS.map((p) => p.tabs[0]!.id));
    expect([...FIRST_TABS, ...OTHER_TABS].map((t) => t.id).sort()).toEqual(ALL_TABS.map((t) => t.id).sort());
    const first = overviewQuery('shop', range, 'DAY', [...filters], { realtime: true, tabs: FIRST_TABS });
    expect(aliasesOf(first.query)).toEqual(['chart', ...FIRST_TABS.map((t) => t.id), 'realtime']);
    const rest = tabsQuery('shop', range, [...filters], OTHER_TABS);
    expect(check(rest.query)).toEqual([]);
    expect(aliasesOf(rest.query)).toEqual(OTHER_TABS.map((t) => t.id));
    expect(rest.variables).toEqual({ site: 'shop', from: '2026-11-01', to: '2026-11-30', limit: 10, filter: apiFilters([...filters]) });
    expect(readTabs({ entryPages: { rows: [{ entryPage: '/a', visitors: 2, visits: 3 }], suppressedRows: 1 } }, OTHER_TABS.slice(0, 1))).toEqual({
      entryPages: { rows: [{ value: '/a', visitors: 2, second: 3 }], suppressedRows: 1 },
    });
  });
  it('without comparison there is no previous period; no filters is a null filter', () => {
    const q = overviewQuery('shop', range, 'HOUR', []);
    expect(check(q.query)).toEqual([]);
    expect(aliasesOf(q.query)).toEqual(['chart', ...ALL_TABS.map((t) => t.id)]);
    expect(q.variables).toEqual({ site: 'shop', from: '2026-11-01', to: '2026-11-30', limit: 10, filter: null });
  });
  it('reads tab rows by their dimension and second metric, and the previous period by its alias', () => {
    const out = readOverview({
      chart: { rows: [{ time: '2026-11-01', visitors: 3, pageviews: 5 }], totals: { visitors: 3, visits: 4, pageviews: 5, viewsPerVisit: 1.25, bounceRate: 50, visitDuration: 30 }, suppressedRows: 1 },
      prevChart: { rows: [], totals: { visitors: null, visits: null, pageviews: null, viewsPerVisit: null, bounceRate: null, visitDuration: null }, suppressedRows: 0 },
      pages: { rows: [{ page: '/a', visitors: 2, pageviews: 4 }], suppressedRows: 3 },
      realtime: { visitors: null, topPages: [] },
    });
    expect(out.current.totals.visitors).toBe(3);
    expect(out.current.chartSuppressed).toBe(1);
    expect(out.current.tabs.pages).toEqual({ rows: [{ value: '/a', visitors: 2, second: 4 }], suppressedRows: 3 });
    expect(out.current.tabs.events).toEqual({ rows: [], suppressedRows: 0 });
    expect(out.previous?.totals.visitors).toBeNull();
    expect(out.realtime).toEqual({ visitors: null, topPages: [] });
    expect(readOverview({ chart: { rows: [], suppressedRows: 0 } }).previous).toBeUndefined();
  });
  it('change and share have no value without a base or under k', () => {
    expect(change(15, 10)).toBe(50);
    expect(change(5, 10)).toBe(-50);
    expect(change(5, 0)).toBeNull();
    expect(change(null, 10)).toBeNull();
    expect(share(2, 8)).toBe(0.25);
    expect(share(2, null)).toBeNull();
  });
});

describe('overview URL state', () => {
  it('round-trips site, range, comparison, interval and filters; defaults stay out of the link', () => {
    const s = readState(new URLSearchParams('site=shop&range=custom&from=2026-01-01&to=2026-01-31&compare=0&interval=WEEK&f=page%3A%2Fa%3Ab&f=country%3ARU'));
    expect(s).toEqual({ site: 'shop', range: 'custom', from: '2026-01-01', to: '2026-01-31', compare: false, interval: 'WEEK', filters: [{ dimension: 'page', value: '/a:b' }, { dimension: 'country', value: 'RU' }] });
    expect(readState(writeState(s))).toEqual(s);
    const plain = readState(new URLSearchParams(''));
    expect(plain).toMatchObject({ range: '30d', compare: true, filters: [] });
    expect(writeState({ ...plain, site: 'shop' }).toString()).toBe('site=shop');
  });
  it('ignores unknown dimensions and keeps one filter per dimension', () => {
    expect(readState(new URLSearchParams('f=secret%3Ax&f=toString%3Ay&f=page%3A%2Fa&f=page%3A%2Fb')).filters).toEqual([{ dimension: 'page', value: '/a' }]);
    expect(withFilter([{ dimension: 'page', value: '/a' }, { dimension: 'os', value: 'Linux' }], { dimension: 'page', value: '/b' })).toEqual([
      { dimension: 'os', value: 'Linux' },
      { dimension: 'page', value: '/b' },
    ]);
    expect(apiFilters([{ dimension: 'eventName', value: 'signup' }])).toEqual([{ dimension: 'EVENT_NAME', op: 'EQ', values: ['signup'] }]);
  });
});
