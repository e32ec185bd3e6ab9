import { buildSchema, type GraphQLEnumType, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { readSdl } from '../../src/graphql/buildSchema.ts';
import { compileStats, FILTER_OPS, statsShape, type StatsQuery } from '../../src/stats/compileStats.ts';
import { UNCERTAIN_VISIT, uncertainVisitsSql } from '../../src/stats/compileVisitStats.ts';
import { DIMENSION_COLUMNS, DIMENSIONS, fieldToEnum, enumToField, METRICS } from '../../src/stats/statsCatalog.ts';
import { parseStatsRange } from '../../src/stats/statsRange.ts';

const HOSTILE = "x' OR 1=1; DROP TABLE events --";
const base: StatsQuery = {
  site: HOSTILE,
  timezone: 'Europe/Moscow',
  range: parseStatsRange('2026-11-01', '2026-11-07', 395),
  k: 10,
  dimensions: [],
  interval: 'DAY',
  metrics: ['pageviews'],
  filters: [],
  order: [],
  limit: 100,
  offset: 0,
};

describe('compileStats', () => {
  it('passes every request value as a parameter, never in the SQL text', () => {
    const q = compileStats({
      ...base,
      dimensions: [...DIMENSIONS],
      metrics: [...METRICS],
      filters: FILTER_OPS.map((op) => ({ dimension: 'page' as const, op, values: [HOSTILE] })),
    });
    expect(q.sql).not.toContain(HOSTILE);
    expect(q.sql).not.toContain('Europe/Moscow');
    expect(q.sql).not.toContain('2026-11');
    expect(q.params.site).toBe(HOSTILE);
    expect(q.params.tz).toBe('Europe/Moscow');
    expect(Object.values(q.params)).toContainEqual([HOSTILE]);
    for (const m of METRICS) expect(q.sql).toMatch(new RegExp(`AS ${m}\\b`));
  });

  it('groups by each selected dimension under its own alias, with totals', () => {
    const q = compileStats({ ...base, dimensions: ['page', 'time'] });
    expect([...q.columns]).toEqual([['page', 'd0'], ['time', 'd1']]);
    expect(q.sql).toContain('GROUPING SETS ((d0, d1), ())');
    expect(q.sql).toContain('shown DESC, d1 ASC'); // time first when no order is given
  });

  it('computes visitors always, for k-anonymity, and the metrics an order needs', () => {
    const q = compileStats({ ...base, metrics: ['events'], order: [{ field: 'bounceRate', direction: 'DESC' }] });
    expect(q.metrics).toEqual(['visitors', 'events', 'bounceRate']);
    expect(q.sql).toContain('visitors >= {k:UInt32}');
  });

  it('reads hits, with no visit step, when no visit-level metric or dimension is asked for', () => {
    const q = { ...base, metrics: ['visitors' as const, 'pageviews' as const, 'events' as const], dimensions: ['page' as const, 'time' as const] };
    expect(statsShape(q)).toBe('hits');
    expect(compileStats(q).sql).not.toContain('lagInFrame');
    expect(compileStats(q).sql).not.toContain('FROM visits');
  });

  const page = { dimension: 'page' as const, op: 'EQ' as const, values: ['/'] };
  const visitAsks = [
    { metrics: ['bounceRate' as const] },
    { dimensions: ['entryPage' as const] },
    { filters: [{ dimension: 'exitPage' as const, op: 'EQ' as const, values: ['/'] }] },
    { order: [{ field: 'visits' as const, direction: 'DESC' as const }] },
  ];

  it('reads the visits table, without window functions, for visit metrics over visit attributes or time', () => {
    for (const extra of [...visitAsks, { metrics: ['visits' as const], dimensions: ['time' as const, 'browser' as const], filters: [{ dimension: 'referrerSource' as const, op: 'EQ' as const, values: ['search'] }] }]) {
      const sql = compileStats({ ...base, ...extra }).sql;
      expect(statsShape({ ...base, ...extra }), JSON.stringify(extra)).toBe('visits');
      expect(sql, JSON.stringify(extra)).toContain('FROM visits');
      expect(sql).not.toContain('FROM events');
      expect(sql).not.toContain('OVER (PARTITION BY vkey');
      expect(sql).not.toContain('lagInFrame');
      expect(sql).toContain('HAVING sum(sign) > 0');
    }
    expect(compileStats({ ...base, metrics: ['visits'], dimensions: ['time'] }).sql).toContain('toDate(start, {tz:String})');
  });

  it('restricts visits to those with a matching hit, through the aliases, for a page or event name filter', () => {
    for (const extra of visitAsks) {
      const q = { ...base, ...extra, filters: [...(extra.filters ?? []), page, { dimension: 'eventName' as const, op: 'NEQ' as const, values: [''] }] };
      expect(statsShape(q), JSON.stringify(extra)).toBe('visitsOfHits');
      const sql = compileStats(q).sql;
      expect(sql).toContain('FROM visit_aliases FINAL');
      expect(sql).toMatch(/FROM events\s+WHERE site = \{site:String\} AND ts >= .* AND is_bot = 0 AND path = \{f\d_0:String\} AND name != \{f\d_0:String\}/);
      expect(sql).not.toContain('OVER (PARTITION BY vkey');
    }
  });

  it('leaves the hits and the aliases out when told no visit of the range lacks its pairs, and fails on one that does', () => {
    for (const extra of visitAsks) {
      const q = { ...base, ...extra, filters: [...(extra.filters ?? []), page] };
      const always = compileStats(q);
      const without = compileStats(q, { uncertainVisits: false });
      expect(compileStats(q, { uncertainVisits: true }).sql).toBe(always.sql);
      expect(without.sql).not.toContain('visit_aliases');
      expect(without.sql).not.toContain('FROM events');
      expect(without.sql).not.toContain('matched');
      // One condition, so nothing can skip the throw for an uncertain row the range holds.
      expect(without.sql).toContain(`if(hit_pairs = 1 AND end < toDateTime64({to:String}, 3, {tz:String}), has(hit_path_hashes, cityHash64({f${q.filters.length - 1}_0:String})), throwIf(NOT (hit_pairs = 1 AND end < toDateTime64({to:String}, 3, {tz:String})), '${UNCERTAIN_VISIT}') = 0)`);
      expect(without.params).toEqual(always.params);
      // The question asked first has the query's visit conditions and parameters.
      const check = uncertainVisitsSql(q);
      expect(check.sql).toContain('NOT (hit_pairs = 1 AND end < toDateTime64({to:String}, 3, {tz:String}))');
      for (const [k, v] of Object.entries(check.params)) expect(always.params[k], k).toEqual(v);
      for (const f of q.filters.slice(0, -1)) expect(check.sql).toContain(DIMENSION_COLUMNS[f.dimension as keyof typeof DIMENSION_COLUMNS]);
    }
    // Without a hit filter the option changes nothing.
    const visits = { ...base, metrics: ['visits' as const] };
    expect(compileStats(visits, { uncertainVisits: false }).sql).toBe(compileStats(visits).sql);
  });

  it('keeps the window functions over hits for a visit metric with a page or event name dimension', () => {
    for (const dimension of ['page' as const, 'eventName' as const]) {
      for (const extra of visitAsks) {
        const q = { ...base, ...extra, dimensions: [...(extra.dimensions ?? []), dimension] };
        expect(statsShape(q), JSON.stringify(extra)).toBe('hitsWithVisitWindows');
        expect(compileStats(q).sql).toContain('lagInFrame');
        expect(compileStats(q).sql).not.toContain('FROM visits');
      }
    }
  });

  it('keeps the request values out of the visits query too', () => {
    const q = compileStats({
      ...base,
      dimensions: DIMENSIONS.filter((d) => d !== 'page' && d !== 'eventName'),
      metrics: [...METRICS],
      filters: FILTER_OPS.map((op) => ({ dimension: op === 'EQ' ? ('page' as const) : ('host' as const), op, values: [HOSTILE] })),
    });
    expect(q.sql).toContain('FROM visits');
    expect(q.sql).not.toContain(HOSTILE);
    expect(q.sql).not.toContain('2026-11');
    for (const m of METRICS) expect(q.sql).toMatch(new RegExp(`AS ${m}\\b`));
  });

  it('has no GROUP BY of dimensions for totals alone', () => {
    const q = compileStats(base);
    expect(q.sql).not.toContain('GROUPING SETS');
    expect(q.columns.size).toBe(0);
  });
});

describe('stats names', () => {
  it('maps Dimension enum values to StatsRow fields and back', () => {
    for (const d of DIMENSIONS) expect(enumToField(fieldToEnum(d))).toBe(d);
    expect(fieldToEnum('entryPage')).toBe('ENTRY_PAGE');
    expect(enumToField('UTM_CAMPAIGN')).toBe('utmCampaign');
  });
});

describe('the schema and the catalog agree', () => {
  it('every StatsRow field is a dimension or a metric, and the enums list them all', () => {
    const schema = buildSchema(readSdl());
    const row = schema.getType('StatsRow') as GraphQLObjectType;
    expect(Object.keys(row.getFields()).sort()).toEqual([...DIMENSIONS, ...METRICS].sort());
    const values = (name: string) => (schema.getType(name) as GraphQLEnumType).getValues().map((v) => v.name);
    expect(values('Dimension')).toEqual(DIMENSIONS.map(fieldToEnum));
    expect(values('StatsField')).toEqual([...DIMENSIONS, ...METRICS].map(fieldToEnum));
    expect(values('FilterOp')).toEqual([...FILTER_OPS]);
  });
});
