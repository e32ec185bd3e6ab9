// Date ranges of the overview, in the site's time zone. Pure (no DOM): unit-tested under test/unit/.
// The API reads `YYYY-MM-DD` bounds as whole days in the site's zone, so a range is two local dates.

export const PRESETS = ['today', 'yesterday', '7d', '30d', '90d', 'month', 'lastmonth', 'custom'] as const;
export type Preset = (typeof PRESETS)[number];
export const INTERVALS = ['HOUR', 'DAY', 'WEEK', 'MONTH'] as const;
export type Interval = (typeof INTERVALS)[number];

/** Both ends inclusive, `YYYY-MM-DD` in the site's zone. */
export interface DayRange {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

const ms = (day: string): number => Date.parse(`${day}T00:00:00Z`);
const day = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** `day` moved by `n` days (negative: back). */
export function addDays(d: string, n: number): string {
  return day(ms(d) + n * DAY_MS);
}

/** A real calendar date written `YYYY-MM-DD`. */
export function isDay(v: string): boolean {
  return ISO_DAY.test(v) && !Number.isNaN(ms(v)) && day(ms(v)) === v;
}

/** Days in the range, both ends counted. */
export function rangeDays(r: DayRange): number {
  return Math.round((ms(r.to) - ms(r.from)) / DAY_MS) + 1;
}

/** A formatter per zone, made once (making one costs far more than using it; the overview asks at every render). */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** Today's date in `timezone` at the instant `now`. */
export function todayIn(timezone: string, now: Date): string {
  let format = dayFormats.get(timezone);
  if (format === undefined) dayFormats.set(timezone, (format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  const parts = format.formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/**
 * The range a preset names, given today's date in the site's zone. A custom range needs real days with
 * from ≤ to; anything else falls back to the last 30 days.
 */
export function presetRange(preset: Preset, today: string, custom?: Partial<DayRange>): DayRange {
  const month = today.slice(0, 8);
  switch (preset) {
    case 'today':
      return { from: today, to: today };
    case 'yesterday':
      return { from: addDays(today, -1), to: addDays(today, -1) };
    case '7d':
      return { from: addDays(today, -6), to: today };
    case '90d':
      return { from: addDays(today, -89), to: today };
    case 'month':
      return { from: `${month}01`, to: today };
    case 'lastmonth': {
      const last = addDays(`${month}01`, -1);
      return { from: `${last.slice(0, 8)}01`, to: last };
    }
    case 'custom':
      if (custom?.from !== undefined && custom.to !== undefined && isDay(custom.from) && isDay(custom.to) && custom.from <= custom.to) {
        return { from: custom.from, to: custom.to };
      }
      return presetRange('30d', today);
    case '30d':
      return { from: addDays(today, -29), to: today };
  }
}

/** The comparison period: as many days, ending the day before `r` starts. */
export function previousRange(r: DayRange): DayRange {
  const n = rangeDays(r);
  return { from: addDays(r.from, -n), to: addDays(r.from, -1) };
}

/** The intervals that make a readable chart (and stay under the API's 2 000 buckets). */
export function allowedIntervals(r: DayRange): Interval[] {
  const n = rangeDays(r);
  const out: Interval[] = [];
  if (n <= 7) out.push('HOUR');
  if (n <= 1_000) out.push('DAY');
  if (n >= 14) out.push('WEEK');
  if (n >= 60) out.push('MONTH');
  return out;
}

/** The interval a range opens with: hours for a day or two, days up to a quarter, then weeks. */
export function defaultInterval(r: DayRange): Interval {
  const n = rangeDays(r);
  return n <= 2 ? 'HOUR' : n <= 100 ? 'DAY' : n <= 1_000 ? 'WEEK' : 'MONTH';
}

/** `requested` when it suits the range, else the range's default. */
export function effectiveInterval(r: DayRange, requested: string | null | undefined): Interval {
  const allowed = allowedIntervals(r);
  return allowed.includes(requested as Interval) ? (requested as Interval) : defaultInterval(r);
}

/** Monday on or before `d` (the API's weeks start on Monday). */
function monday(d: string): string {
  const dow = (new Date(ms(d)).getUTCDay() + 6) % 7;
  return addDays(d, -dow);
}

/**
 * Every bucket start of the range, written as the API writes `time(interval:)`:
 * `2026-11-24T10:00` (HOUR), `2026-11-24` (DAY, WEEK from Monday, MONTH from the 1st).
 */
export function buckets(r: DayRange, interval: Interval): string[] {
  const out: string[] = [];
  if (interval === 'HOUR') {
    for (let d = r.from; d <= r.to; d = addDays(d, 1)) for (let h = 0; h < 24; h++) out.push(`${d}T${String(h).padStart(2, '0')}:00`);
  } else if (interval === 'DAY') {
    for (let d = r.from; d <= r.to; d = addDays(d, 1)) out.push(d);
  } else if (interval === 'WEEK') {
    for (let d = monday(r.from); d <= r.to; d = addDays(d, 7)) out.push(d);
  } else {
    for (let d = `${r.from.slice(0, 8)}01`; d <= r.to; d = `${addDays(d, 31).slice(0, 8)}01`) out.push(d);
  }
  return out;
}
