import { describe, expect, it } from 'vitest';
import { isoOf, nowSql, sqlToMs } from '../../src/store/sqlTime.ts';
import { mulberry32 } from '../../src/cli/mulberry32.ts';

describe('sqlToMs', () => {
  it('reads the text nowSql writes back to the same millisecond, across years, leap days and midnight', () => {
    const rnd = mulberry32(5);
    const edges = [0, Date.parse('2024-02-29T23:59:59.999Z'), Date.parse('2026-12-31T23:59:59.999Z'), Date.parse('2299-12-31T00:00:00.001Z')];
    for (const ms of [...edges, ...Array.from({ length: 2000 }, () => Math.floor(rnd() * 10_000_000_000_000))]) {
      const text = nowSql(new Date(ms));
      expect(sqlToMs(text), text).toBe(ms);
      expect(sqlToMs(text)).toBe(Date.parse(isoOf(text)));
    }
  });

  it('reads the ISO form ClickHouse answers in', () => {
    expect(sqlToMs('2026-11-30T10:00:00.123Z')).toBe(Date.parse('2026-11-30T10:00:00.123Z'));
  });
});
