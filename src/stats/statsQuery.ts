// Statistics SQL: the one place that writes it. Values only as {name:Type} parameters.
import type { RangeBound, StatsRange } from './statsRange.ts';

export interface CompiledQuery {
  readonly sql: string;
  readonly params: Record<string, string | number>;
}

function bound(name: string, b: RangeBound, params: Record<string, string | number>): string {
  if (b.kind === 'day') {
    params[name] = b.day;
    // Midnight in the site's zone.
    return `toDateTime64({${name}:String}, 3, {tz:String})`;
  }
  params[name] = b.ms;
  return `fromUnixTimestamp64Milli({${name}:Int64}, 'UTC')`;
}

/** The totals row. Bots are never visitors nor pageviews; cookieless visitors count by daily hash. */
export function compileTotals(site: string, timezone: string, range: StatsRange): CompiledQuery {
  const params: Record<string, string | number> = { site, tz: timezone };
  const from = bound('from', range.from, params);
  const to = bound('to', range.to, params);
  const sql = `SELECT
  countIf(type = 'pageview') AS pageviews,
  uniqExactIf(pid, pid != 0) + uniqExactIf((toDate(ts), visitor_hash), pid = 0) AS visitors
FROM events
WHERE site = {site:String} AND ts >= ${from} AND ts < ${to} AND is_bot = 0`;
  return { sql, params };
}
