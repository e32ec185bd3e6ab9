// from/to → a half-open UTC interval expressed as SQL parameters. Pure.
import { ApiError, clip, echo, ErrorCode, invalid } from '../errors/apiError.ts';

export type RangeBound = { kind: 'day'; day: string } | { kind: 'instant'; ms: number };

export interface StatsRange {
  readonly from: RangeBound;
  /** Exclusive. A day bound here is the day after the requested `to`. */
  readonly to: RangeBound;
  readonly days: number;
}

/**
 * The engine's range of DateTime64 (ClickHouse: 1900-01-01 … 2299-12-31): a bound outside it would
 * reach the query as a date it cannot read, or `+010000-01-01`, an INTERNAL_SERVER_ERROR. Refused here.
 */
export const ENGINE_RANGE = { firstDay: '1900-01-01', lastDay: '2299-12-31' } as const;
const ENGINE_FIRST_MS = Date.parse(`${ENGINE_RANGE.firstDay}T00:00:00Z`);
const ENGINE_END_MS = Date.parse(`${ENGINE_RANGE.lastDay}T00:00:00Z`) + 86_400_000;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

function parse(field: 'from' | 'to', v: string): RangeBound {
  const d = DAY.exec(v.slice(0, 10));
  // NOTE: Date.parse rolls 2026-02-30T10:00Z over into March, so the date part is checked for instants too.
  if (d !== null && (v.length === 10 || INSTANT.test(v))) {
    // NOTE: Date.UTC reads years 0–99 as 1900–1999; the year is set on its own so "0001" stays year 1.
    const date = new Date(Date.UTC(2000, Number(d[2]) - 1, Number(d[3])));
    date.setUTCFullYear(Number(d[1]));
    if (date.toISOString().slice(0, 10) !== d[0]) throw invalid(field, `${field} must be a real date (got ${echo(v)})`, 'format', { format: 'date', got: clip(v) });
    if (v.length === 10) return inEngineRange(field, { kind: 'day', day: v }, date.getTime(), v);
  }
  if (INSTANT.test(v) && !Number.isNaN(Date.parse(v))) return inEngineRange(field, { kind: 'instant', ms: Date.parse(v) }, Date.parse(v), v);
  throw invalid(field, `${field} must be a date YYYY-MM-DD or an ISO-8601 timestamp with a zone, such as 2026-11-24T10:00:00Z (got ${echo(v)})`, 'format', {
    format: 'date',
    got: clip(v),
  });
}

function inEngineRange(field: 'from' | 'to', b: RangeBound, ms: number, v: string): RangeBound {
  // A timestamp may be the exclusive end of the last day; a day is whole, so it must start before the end.
  if (ms < ENGINE_FIRST_MS || ms > ENGINE_END_MS || (b.kind === 'day' && ms >= ENGINE_END_MS)) {
    throw invalid(field, `${field} must be from ${ENGINE_RANGE.firstDay} to ${ENGINE_RANGE.lastDay} (got ${echo(v)})`, 'range', { min: ENGINE_RANGE.firstDay, max: ENGINE_RANGE.lastDay, got: clip(v) });
  }
  return b;
}

const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/**
 * Days are inclusive on both ends; timestamps are [from, to). Both bounds must be of one kind.
 * Throws InputError naming `from` or `to`, or RANGE_TOO_LARGE (on `to`) past `retentionDays`.
 */
export function parseStatsRange(from: string, to: string, retentionDays: number): StatsRange {
  const f = parse('from', from);
  const t = parse('to', to);
  if (f.kind !== t.kind) throw invalid('to', 'from and to must both be dates or both be timestamps', 'sameKind');
  const startMs = f.kind === 'day' ? dayMs(f.day) : f.ms;
  const endMs = t.kind === 'day' ? dayMs(t.day) + 86_400_000 : t.ms;
  if (endMs <= startMs) throw invalid('to', `to must be after from (got from ${echo(from)}, to ${echo(to)})`, 'dateOrder');
  const days = Math.ceil((endMs - startMs) / 86_400_000);
  if (days > retentionDays) {
    throw new ApiError(ErrorCode.RANGE_TOO_LARGE, `the range spans ${days} days; the site keeps data for ${retentionDays} days, so ask for at most that`, { field: 'to', rule: 'retention', params: { days, max: retentionDays } });
  }
  const end: RangeBound = t.kind === 'day' ? { kind: 'day', day: new Date(endMs).toISOString().slice(0, 10) } : t;
  return { from: f, to: end, days };
}
