import { describe, expect, it } from 'vitest';
import { parseStatsRange, StatsRangeError } from '../../src/stats/statsRange.ts';

function rangeError(from: string, to: string, retentionDays = 395): StatsRangeError {
  try {
    parseStatsRange(from, to, retentionDays);
  } catch (err) {
    expect(err).toBeInstanceOf(StatsRangeError);
    return err as StatsRangeError;
  }
  throw new Error(`accepted ${from}..${to}`);
}

describe('parseStatsRange: days', () => {
  it('is inclusive of both days: to becomes the next day, exclusive', () => {
    expect(parseStatsRange('2026-11-01', '2026-11-01', 395)).toEqual({
      from: { kind: 'day', day: '2026-11-01' },
      to: { kind: 'day', day: '2026-11-02' },
      days: 1,
    });
    expect(parseStatsRange('2026-11-01', '2026-11-30', 395)).toMatchObject({ to: { kind: 'day', day: '2026-12-01' }, days: 30 });
  });

  it('rolls the exclusive end over months, years and leap days', () => {
    expect(parseStatsRange('2026-12-01', '2026-12-31', 395).to).toEqual({ kind: 'day', day: '2027-01-01' });
    expect(parseStatsRange('2028-02-01', '2028-02-28', 395).to).toEqual({ kind: 'day', day: '2028-02-29' });
    expect(parseStatsRange('2028-02-29', '2028-02-29', 395).to).toEqual({ kind: 'day', day: '2028-03-01' });
  });

  it('allows exactly the retention and marks one day more as too large', () => {
    expect(parseStatsRange('2026-01-01', '2026-12-31', 365).days).toBe(365);
    const err = rangeError('2026-01-01', '2026-12-31', 364);
    expect(err.tooLarge).toBe(true);
    expect(err.field).toBe('to');
    expect(err.message).toContain('365 days');
    expect(err.message).toContain('364 days');
  });

  it.each([
    ['2026-02-30', '2026-03-01', 'from'],
    ['2026-02-01', '2026-02-29', 'to'],
    ['2026-04-31', '2026-05-01', 'from'],
    ['2026-13-01', '2026-13-02', 'from'],
    ['2026-11-00', '2026-11-02', 'from'],
  ])('refuses the unreal date in %s..%s naming %s', (from, to, field) => {
    const err = rangeError(from, to);
    expect(err.field).toBe(field);
    expect(err.tooLarge).toBe(false);
    expect(err.message).toMatch(new RegExp(`^${field} must be a real date`));
  });
});

describe('parseStatsRange: instants', () => {
  it('is half-open and keeps the instants as given', () => {
    const r = parseStatsRange('2026-11-24T10:00:00Z', '2026-11-24T11:30:00.500Z', 395);
    expect(r).toEqual({
      from: { kind: 'instant', ms: Date.UTC(2026, 10, 24, 10) },
      to: { kind: 'instant', ms: Date.UTC(2026, 10, 24, 11, 30, 0, 500) },
      days: 1,
    });
  });

  it('applies a zone offset', () => {
    expect(parseStatsRange('2026-11-24T10:00+03:00', '2026-11-24T12:00:00-01:00', 395).from).toEqual({ kind: 'instant', ms: Date.UTC(2026, 10, 24, 7) });
  });

  it('counts partial days up', () => {
    expect(parseStatsRange('2026-11-01T00:00:00Z', '2026-11-03T00:00:01Z', 395).days).toBe(3);
    expect(rangeError('2026-11-01T00:00:00Z', '2026-11-03T00:00:01Z', 2).tooLarge).toBe(true);
  });

  it.each([
    ['2026-11-24T10:00:00', 'from'],
    ['2026-11-24 10:00:00Z', 'from'],
    ['2026-11-24T25:00:00Z', 'from'],
    ['2026-02-30T10:00:00Z', 'from'],
    ['2026-04-31T23:00:00+03:00', 'from'],
    ['yesterday', 'from'],
    ['', 'from'],
  ])('refuses the bad start %j', (from, field) => {
    const err = rangeError(from, '2026-12-01T00:00:00Z');
    expect(err.field).toBe(field);
    expect(err.tooLarge).toBe(false);
    expect(err.message.startsWith('from must be')).toBe(true);
  });

  it('refuses a bad end naming to', () => {
    const err = rangeError('2026-11-01T00:00:00Z', '2026-02-30T10:00:00Z');
    expect(err.field).toBe('to');
    expect(err.message.startsWith('to must be')).toBe(true);
  });
});

describe('parseStatsRange: the pair', () => {
  it('refuses mixing a day and an instant', () => {
    for (const [from, to] of [
      ['2026-11-01', '2026-11-02T00:00:00Z'],
      ['2026-11-01T00:00:00Z', '2026-11-02'],
    ] as const) {
      const err = rangeError(from, to);
      expect(err.field).toBe('to');
      expect(err.tooLarge).toBe(false);
      expect(err.message).toBe('from and to must both be dates or both be timestamps');
    }
  });

  it('refuses a reversed or empty range', () => {
    for (const [from, to] of [
      ['2026-11-02', '2026-11-01'],
      ['2026-11-24T10:00:00Z', '2026-11-24T09:59:59Z'],
      ['2026-11-24T10:00:00Z', '2026-11-24T10:00:00Z'],
    ] as const) {
      const err = rangeError(from, to);
      expect(err.field).toBe('to');
      expect(err.tooLarge).toBe(false);
      expect(err.message).toMatch(/^to must be after from/);
    }
  });

  it('keeps a long bad value out of the message', () => {
    expect(rangeError('x'.repeat(500), '2026-11-01').message.length).toBeLessThan(200);
  });
});
