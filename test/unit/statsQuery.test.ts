import { describe, expect, it } from 'vitest';
import { compileTotals } from '../../src/stats/statsQuery.ts';
import { parseStatsRange } from '../../src/stats/statsRange.ts';

// Request values chosen so that any of them leaking into the SQL text is easy to spot.
const SITE = "shop'; DROP TABLE events; --";
const TZ = 'America/Argentina/Buenos_Aires';

/** Every {name:Type} placeholder in the SQL. */
const placeholders = (sql: string) => [...sql.matchAll(/\{(\w+):(\w+)\}/g)].map((m) => [m[1], m[2]]);

describe('compileTotals', () => {
  it('passes site, zone and days only as parameters', () => {
    const q = compileTotals(SITE, TZ, parseStatsRange('2026-11-01', '2026-11-30', 395));
    expect(q.params).toEqual({ site: SITE, tz: TZ, from: '2026-11-01', to: '2026-12-01' });
    for (const value of [SITE, 'DROP TABLE', TZ, 'Buenos', '2026', '11-01', '12-01']) expect(q.sql).not.toContain(value);
    expect(placeholders(q.sql)).toEqual([
      ['site', 'String'],
      ['from', 'String'],
      ['tz', 'String'],
      ['to', 'String'],
      ['tz', 'String'],
    ]);
  });

  it('passes instants as Int64 milliseconds', () => {
    const range = parseStatsRange('2026-11-24T10:00:00Z', '2026-11-24T12:00:00Z', 395);
    const q = compileTotals('shop', 'Europe/Moscow', range);
    const from = Date.UTC(2026, 10, 24, 10);
    const to = Date.UTC(2026, 10, 24, 12);
    expect(q.params).toMatchObject({ site: 'shop', from, to });
    for (const value of [String(from), String(to), 'shop', 'Moscow']) expect(q.sql).not.toContain(value);
    expect(placeholders(q.sql)).toEqual([
      ['site', 'String'],
      ['from', 'Int64'],
      ['to', 'Int64'],
    ]);
  });

  it('binds every placeholder to a parameter and nothing else is interpolated', () => {
    const q = compileTotals(SITE, TZ, parseStatsRange('2026-11-01', '2026-11-01', 395));
    for (const [name] of placeholders(q.sql)) expect(Object.keys(q.params)).toContain(name);
    // No string literal in the SQL but the fixed event type.
    expect([...q.sql.matchAll(/'[^']*'/g)].map((m) => m[0])).toEqual(["'pageview'"]);
  });

  it('excludes bots and reads the events of the site within [from, to)', () => {
    const { sql } = compileTotals('shop', 'UTC', parseStatsRange('2026-11-01', '2026-11-01', 395));
    expect(sql).toMatch(/FROM events/);
    expect(sql).toMatch(/is_bot = 0/);
    expect(sql).toMatch(/site = \{site:String\}/);
    expect(sql).toMatch(/ts >= toDateTime64\(\{from:String\}, 3, \{tz:String\}\)/);
    expect(sql).toMatch(/ts < toDateTime64\(\{to:String\}, 3, \{tz:String\}\)/);
  });
});
