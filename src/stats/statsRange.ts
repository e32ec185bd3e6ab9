// from/to → a half-open UTC interval expressed as SQL parameters. Pure.

export type RangeBound = { kind: 'day'; day: string } | { kind: 'instant'; ms: number };

export interface StatsRange {
  readonly from: RangeBound;
  /** Exclusive. A day bound here is the day after the requested `to`. */
  readonly to: RangeBound;
  readonly days: number;
}

export class StatsRangeError extends Error {
  override name = 'StatsRangeError';
  readonly field: 'from' | 'to';
  readonly tooLarge: boolean;
  constructor(field: 'from' | 'to', tooLarge: boolean, message: string) {
    super(message);
    this.field = field;
    this.tooLarge = tooLarge;
  }
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

function parse(field: 'from' | 'to', v: string): RangeBound {
  const d = DAY.exec(v.slice(0, 10));
  // NOTE: Date.parse rolls 2026-02-30T10:00Z over into March, so the date part is checked for instants too.
  if (d !== null && (v.length === 10 || INSTANT.test(v))) {
    const date = new Date(Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3])));
    if (date.toISOString().slice(0, 10) !== d[0]) throw new StatsRangeError(field, false, `${field} must be a real date (got "${v.slice(0, 40)}")`);
    if (v.length === 10) return { kind: 'day', day: v };
  }
  if (INSTANT.test(v) && !Number.isNaN(Date.parse(v))) return { kind: 'instant', ms: Date.parse(v) };
  throw new StatsRangeError(field, false, `${field} must be a date YYYY-MM-DD or an ISO-8601 timestamp with a zone, such as 2026-11-24T10:00:00Z (got "${v.slice(0, 40)}")`);
}

const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** Days are inclusive on both ends; timestamps are [from, to). Both bounds must be of one kind. */
export function parseStatsRange(from: string, to: string, retentionDays: number): StatsRange {
  const f = parse('from', from);
  const t = parse('to', to);
  if (f.kind !== t.kind) throw new StatsRangeError('to', false, 'from and to must both be dates or both be timestamps');
  const startMs = f.kind === 'day' ? dayMs(f.day) : f.ms;
  const endMs = t.kind === 'day' ? dayMs(t.day) + 86_400_000 : t.ms;
  if (endMs <= startMs) throw new StatsRangeError('to', false, `to must be after from (got from "${from}", to "${to}")`);
  const days = Math.ceil((endMs - startMs) / 86_400_000);
  if (days > retentionDays) {
    throw new StatsRangeError('to', true, `the range spans ${days} days; the site keeps data for ${retentionDays} days, so ask for at most that`);
  }
  const end: RangeBound = t.kind === 'day' ? { kind: 'day', day: new Date(endMs).toISOString().slice(0, 10) } : t;
  return { from: f, to: end, days };
}
