// A segment rule → one parameterised ClickHouse query over `events` that returns the member pids.
// Every value is a {pN:Type} parameter; columns come only from SEGMENT_DIMENSIONS. Pure.
import { VISIT_GAP_SECONDS } from '../stats/compileStats.ts';
import { nowSql } from '../store/sqlTime.ts';
import { SEGMENT_DIMENSIONS, ruleWindowDays, type SegmentRule } from './segmentRule.ts';

export interface CompiledSegment {
  /** SELECT pid …: the candidates are the site's cookie pids seen within the rule's longest window. */
  readonly sql: string;
  readonly params: Record<string, unknown>;
}


/**
 * `now` is a parameter, not now64(), so a refresh and its tests agree on the window edges.
 * Cookieless hits (pid 0) and bots never enter a segment (policy 5.2); consent is applied by the caller.
 */
export function compileSegmentRule(rule: SegmentRule, site: string, now: Date): CompiledSegment {
  const params: Record<string, unknown> = { site, now: nowSql(now), window: ruleWindowDays(rule) };
  let n = 0;
  const param = (value: unknown, type: string) => {
    const name = `p${n++}`;
    params[name] = value;
    return `{${name}:${type}}`;
  };
  const since = (days: number) => `ts >= {now:DateTime64(3)} - toIntervalDay(${param(days, 'UInt32')})`;

  const expr = (r: SegmentRule): string => {
    if ('all' in r) return `(${r.all.map(expr).join(' AND ')})`;
    if ('any' in r) return `(${r.any.map(expr).join(' OR ')})`;
    if ('not' in r) return `NOT ${expr(r.not)}`;
    if ('visited' in r) {
      const { path, atLeast, withinDays } = r.visited;
      const match =
        'equals' in path ? `path = ${param(path.equals, 'String')}` : 'prefix' in path ? `startsWith(path, ${param(path.prefix, 'String')})` : `position(path, ${param(path.contains, 'String')}) > 0`;
      return `(countIf(type = 'pageview' AND ${since(withinDays)} AND ${match}) >= ${param(atLeast, 'UInt32')})`;
    }
    if ('event' in r) {
      const { name, atLeast, withinDays } = r.event;
      return `(countIf(type = 'event' AND ${since(withinDays)} AND name = ${param(name, 'String')}) >= ${param(atLeast, 'UInt32')})`;
    }
    if ('visits' in r) {
      const { atLeast, withinDays } = r.visits;
      const cond = since(withinDays);
      // Visits = first hit in the window + every gap of more than 30 minutes between consecutive hits.
      const hits = `arraySort(groupArrayIf(toUInt32(toUnixTimestamp(ts)), ${cond}))`;
      return `((arrayCount(d -> d > ${VISIT_GAP_SECONDS}, arrayDifference(${hits})) + (countIf(${cond}) > 0)) >= ${param(atLeast, 'UInt32')})`;
    }
    if ('lastSeen' in r) return `(countIf(${since(r.lastSeen.withinDays)}) > 0)`;
    const { dimension, in: values, withinDays } = r.attribute;
    return `(countIf(${since(withinDays)} AND ${SEGMENT_DIMENSIONS[dimension]} IN ${param(values, 'Array(String)')}) > 0)`;
  };

  const having = expr(rule);
  const sql = [
    'SELECT pid FROM events',
    'WHERE site = {site:String} AND pid != 0 AND is_bot = 0',
    '  AND ts >= {now:DateTime64(3)} - toIntervalDay({window:UInt32}) AND ts <= {now:DateTime64(3)}',
    'GROUP BY pid',
    `HAVING ${having}`,
  ].join('\n');
  return { sql, params };
}
