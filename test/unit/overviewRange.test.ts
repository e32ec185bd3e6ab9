// The overview's date ranges (web/screens/overview/range.ts): presets in the site's time zone, the
// previous period, intervals and bucket starts as the API writes them.
import { describe, expect, it } from 'vitest';
import { allowedIntervals, buckets, defaultInterval, effectiveInterval, presetRange, previousRange, rangeDays, todayIn } from '../../web/screens/overview/range.ts';

describe('todayIn', () => {
  // 2026-11-30 22:30 UTC is already 1 December in Moscow (UTC+3) and still 30 November in New York.
  const now = new Date('2026-11-30T22:30:00Z');
  it('is the date in the site time zone, not the browser one', () => {
    expect(todayIn('Europe/Moscow', now)).toBe('2026-12-01');
    expect(todayIn('America/New_York', now)).toBe('2026-11-30');
    expect(todayIn('UTC', now)).toBe('2026-11-30');
    expect(todayIn('Pacific/Kiritimati', new Date('2026-12-31T10:30:00Z'))).toBe('2027-01-01');
  });
});

describe('presetRange', () => {
  const today = '2026-03-01';
  it('counts back from today, both ends inclusive', () => {
    expect(presetRange('today', today)).toEqual({ from: today, to: today });
    expect(presetRange('yesterday', today)).toEqual({ from: '2026-02-28', to: '2026-02-28' });
    expect(presetRange('7d', today)).toEqual({ from: '2026-02-23', to: today });
    expect(presetRange('30d', today)).toEqual({ from: '2026-01-31', to: today });
    expect(presetRange('90d', today)).toEqual({ from: '2025-12-02', to: today });
    expect(rangeDays(presetRange('90d', today))).toBe(90);
  });
  it('this month starts on the 1st; last month is the whole previous month (leap years too)', () => {
    expect(presetRange('month', '2026-03-17')).toEqual({ from: '2026-03-01', to: '2026-03-17' });
    expect(presetRange('lastmonth', '2026-03-17')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(presetRange('lastmonth', '2028-03-01')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(presetRange('lastmonth', '2026-01-05')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
  });
  it('a custom range needs two real days in order, else it is the last 30 days', () => {
    expect(presetRange('custom', today, { from: '2026-01-10', to: '2026-01-20' })).toEqual({ from: '2026-01-10', to: '2026-01-20' });
    const fallback = presetRange('30d', today);
    expect(presetRange('custom', today, { from: '2026-01-20', to: '2026-01-10' })).toEqual(fallback);
    expect(presetRange('custom', today, { from: '2026-02-30', to: '2026-03-01' })).toEqual(fallback);
    expect(presetRange('custom', today, { from: 'x', to: undefined })).toEqual(fallback);
  });
});

describe('previousRange', () => {
  it('is as long as the range and ends the day before it starts', () => {
    expect(previousRange({ from: '2026-11-30', to: '2026-11-30' })).toEqual({ from: '2026-11-29', to: '2026-11-29' });
    expect(previousRange({ from: '2026-11-01', to: '2026-11-30' })).toEqual({ from: '2026-10-02', to: '2026-10-31' });
    expect(previousRange({ from: '2026-03-01', to: '2026-03-07' })).toEqual({ from: '2026-02-22', to: '2026-02-28' });
  });
});

describe('intervals', () => {
  it('follow the range: hours for a day, days for a month, weeks past 100 days', () => {
    expect(defaultInterval({ from: '2026-11-30', to: '2026-11-30' })).toBe('HOUR');
    expect(defaultInterval({ from: '2026-11-01', to: '2026-11-30' })).toBe('DAY');
    expect(defaultInterval({ from: '2026-01-01', to: '2026-11-30' })).toBe('WEEK');
    expect(allowedIntervals({ from: '2026-11-30', to: '2026-11-30' })).toEqual(['HOUR', 'DAY']);
    expect(allowedIntervals({ from: '2026-09-01', to: '2026-11-30' })).toEqual(['DAY', 'WEEK', 'MONTH']);
  });
  it('a requested interval is kept only where it suits the range (a link may hold anything)', () => {
    const month = { from: '2026-11-01', to: '2026-11-30' };
    expect(effectiveInterval(month, 'WEEK')).toBe('WEEK');
    expect(effectiveInterval(month, 'HOUR')).toBe('DAY');
    expect(effectiveInterval(month, 'nonsense')).toBe('DAY');
    expect(effectiveInterval(month, undefined)).toBe('DAY');
  });
});

describe('buckets', () => {
  it('are written as the API writes time(interval:)', () => {
    const day = buckets({ from: '2026-11-30', to: '2026-11-30' }, 'HOUR');
    expect(day).toHaveLength(24);
    expect(day[0]).toBe('2026-11-30T00:00');
    expect(day[23]).toBe('2026-11-30T23:00');
    expect(buckets({ from: '2026-02-27', to: '2026-03-02' }, 'DAY')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    // 2026-11-04 is a Wednesday: its week starts on Monday 2 November.
    expect(buckets({ from: '2026-11-04', to: '2026-11-20' }, 'WEEK')).toEqual(['2026-11-02', '2026-11-09', '2026-11-16']);
    expect(buckets({ from: '2026-01-15', to: '2026-03-02' }, 'MONTH')).toEqual(['2026-01-01', '2026-02-01', '2026-03-01']);
  });
});
