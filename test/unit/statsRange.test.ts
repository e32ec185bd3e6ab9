import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/apiError.ts';
import { parseStatsRange } from '../../src/stats/statsRange.ts';

/** The error of the catalogue: BAD_USER_INPUT, or RANGE_TOO_LARGE past the retention; its field is from or to. */
function rangeError(from: string, to: string, retentionDays = 395): ApiError {
  try {
    parseStatsRange(from, to, retentionDays);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
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
    expect(err.code).toBe('RANGE_TOO_LARGE');
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
    expect(err.code).toBe('BAD_USER_INPUT');
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
    expect(rangeError('2026-11-01T00:00:00Z', '2026-11-03T00:00:01Z', 2).code).toBe('RANGE_TOO_LARGE');
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
    expect(err.code).toBe('BAD_USER_INPUT');
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
      expect(err.code).toBe('BAD_USER_INPUT');
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
      expect(err.code).toBe('BAD_USER_INPUT');
      expect(err.message).toMatch(/^to must be after from/);
    }
  });

  it('keeps a long bad value out of the message', () => {
    expect(rangeError('x'.repeat(500), '2026-11-01').message.length).toBeLessThan(200);
  });
});

describe("parseStatsRange: the engine's range", () => {
  it("takes the first and last days ClickHouse's DateTime64 holds, and instants up to the end of the last", () => {
    expect(parseStatsRange('1900-01-01', '1900-01-01', 395).from).toEqual({ kind: 'day', day: '1900-01-01' });
    expect(parseStatsRange('2299-12-31', '2299-12-31', 395).to).toEqual({ kind: 'day', day: '2300-01-01' });
    expect(parseStatsRange('1900-01-01T00:00:00Z', '1900-01-01T01:00:00Z', 395).from).toEqual({ kind: 'instant', ms: Date.UTC(1900, 0, 1) });
    expect(parseStatsRange('2299-12-31T23:00:00Z', '2300-01-01T00:00:00Z', 395).to).toEqual({ kind: 'instant', ms: Date.UTC(2300, 0, 1) });
  });

  it.each([
    ['9999-12-31', '9999-12-31', 'from'],
    ['2300-01-01', '2300-01-02', 'from'],
    ['2299-12-31', '2300-01-01', 'to'],
    ['1899-12-31', '1900-01-01', 'from'],
    ['0001-01-01', '0001-01-01', 'from'],
    ['9999-12-31T00:00:00Z', '9999-12-31T01:00:00Z', 'from'],
    ['2299-12-31T23:00:00Z', '2300-01-01T00:00:00.001Z', 'to'],
    ['1899-12-31T23:59:59Z', '1900-01-01T01:00:00Z', 'from'],
    ['1900-01-01T02:00:00+03:00', '1900-01-01T05:00:00Z', 'from'],
  ])('refuses %s .. %s as BAD_USER_INPUT naming %s', (from, to, field) => {
    const err = rangeError(from, to, 1_000_000);
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(err.field).toBe(field);
    expect(err.message).toMatch(new RegExp(`^${field} must be from 1900-01-01 to 2299-12-31`));
  });
});
