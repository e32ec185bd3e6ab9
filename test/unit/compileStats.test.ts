import { buildSchema, type GraphQLEnumType, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { readSdl } from '../../src/graphql/buildSchema.ts';
import { compileStats, FILTER_OPS, type StatsQuery } from '../../src/stats/compileStats.ts';
import { DIMENSIONS, fieldToEnum, enumToField, METRICS } from '../../src/stats/statsCatalog.ts';
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
    expect(q.sql).toContain('ORDER BY d1 ASC'); // time first when no order is given
  });

  it('computes visitors always, for k-anonymity, and the metrics an order needs', () => {
    const q = compileStats({ ...base, metrics: ['events'], order: [{ field: 'bounceRate', direction: 'DESC' }] });
    expect(q.metrics).toEqual(['visitors', 'events', 'bounceRate']);
    expect(q.sql).toContain('visitors >= {k:UInt32}');
  });

  it('forms visits only when a visit-level metric or dimension is asked for', () => {
    expect(compileStats({ ...base, metrics: ['visitors', 'pageviews', 'events'], dimensions: ['page', 'time'] }).sql).not.toContain('lagInFrame');
    for (const extra of [{ metrics: ['bounceRate' as const] }, { dimensions: ['entryPage' as const] }, { filters: [{ dimension: 'exitPage' as const, op: 'EQ' as const, values: ['/'] }] }, { order: [{ field: 'visits' as const, direction: 'DESC' as const }] }]) {
      expect(compileStats({ ...base, ...extra }).sql, JSON.stringify(extra)).toContain('lagInFrame');
    }
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
