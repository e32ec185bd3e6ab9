// The rule language: parsing names the node at fault, defaults are filled, and compilation puts every
// value in a parameter. No I/O.
import { describe, expect, it } from 'vitest';
import { compileSegmentRule } from '../../src/segments/compileSegmentRule.ts';
import { InputError } from '../../src/errors/apiError.ts';
import { parseSegmentRule, ruleWindowDays } from '../../src/segments/segmentRule.ts';

const limits = { maxWindowDays: 90 };
const parse = (rule: unknown) => parseSegmentRule(rule, limits);
const errorOf = (rule: unknown, l = limits) => {
  try {
    parseSegmentRule(rule, l);
  } catch (err) {
    if (err instanceof InputError) return { path: err.field, message: err.message };
    throw err;
  }
  throw new Error('accepted');
};

describe('parseSegmentRule', () => {
  it('fills the defaults of every leaf', () => {
    expect(parse({ visited: { path: { prefix: '/p' } } })).toEqual({ visited: { path: { prefix: '/p' }, atLeast: 1, withinDays: 30 } });
    expect(parse({ event: { name: 'signup' } })).toEqual({ event: { name: 'signup', atLeast: 1, withinDays: 30 } });
    expect(parse({ visits: { atLeast: 3 } })).toEqual({ visits: { atLeast: 3, withinDays: 30 } });
    expect(parse({ attribute: { dimension: 'country', in: ['RU'] } })).toEqual({ attribute: { dimension: 'COUNTRY', in: ['RU'], withinDays: 30 } });
  });

  it('takes nested all/any/not with GraphQL-style absent fields as null', () => {
    const rule = { all: [{ lastSeen: { withinDays: 7 }, any: null }, { not: { event: { name: 'x', atLeast: 2, withinDays: 5 } } }] };
    expect(parse(rule)).toEqual({ all: [{ lastSeen: { withinDays: 7 } }, { not: { event: { name: 'x', atLeast: 2, withinDays: 5 } } }] });
  });

  it('a default window never exceeds a short retention', () => {
    expect(parseSegmentRule({ lastSeen: { withinDays: 3 } }, { maxWindowDays: 7 })).toEqual({ lastSeen: { withinDays: 3 } });
    expect(parseSegmentRule({ event: { name: 'x' } }, { maxWindowDays: 7 })).toEqual({ event: { name: 'x', atLeast: 1, withinDays: 7 } });
  });

  it.each([
    [{ visited: { path: { prefix: '/a' } }, lastSeen: { withinDays: 1 } }, 'rule', /exactly one of .*found visited and lastSeen/],
    [{}, 'rule', /needs one of all, any/],
    [{ all: [] }, 'rule.all', /non-empty list/],
    [{ any: [{ lastSeen: { withinDays: 1 } }, { bogus: 1 }] }, 'rule.any[1]', /"bogus" is not a rule node/],
    [{ all: [{ any: [{ visited: { path: { equals: '/a', prefix: '/b' } } }] }] }, 'rule.all[0].any[0].visited.path', /exactly one of equals, prefix, contains/],
    [{ visited: { path: { equals: 'pricing' } } }, 'rule.visited.path.equals', /starting with "\/"/],
    [{ lastSeen: { withinDays: 91 } }, 'rule.lastSeen.withinDays', /past the site's retention of 90 days/],
    [{ lastSeen: { withinDays: 0 } }, 'rule.lastSeen.withinDays', /whole number of days between 1 and 90/],
    [{ lastSeen: {} }, 'rule.lastSeen.withinDays', /is required/],
    [{ visits: { withinDays: 3 } }, 'rule.visits.atLeast', /is required/],
    [{ event: { name: '' } }, 'rule.event.name', /non-empty string/],
    [{ event: { name: 'x', atLeast: 1.5 } }, 'rule.event.atLeast', /integer between 1 and/],
    [{ attribute: { dimension: 'TIME', in: ['x'] } }, 'rule.attribute.dimension', /"TIME" is not a segment dimension/],
    [{ attribute: { dimension: 'COUNTRY', in: [] } }, 'rule.attribute.in', /1 to 100 values/],
    [{ attribute: { dimension: 'COUNTRY', in: ['RU', 3] } }, 'rule.attribute.in[1]', /non-empty string/],
    [{ not: { lastSeen: { withinDays: 1, extra: true } } }, 'rule.not.lastSeen', /"extra" is not a field here/],
    [[], 'rule', /must be an object/],
  ])('refuses %j at %s', (rule, path, message) => {
    const e = errorOf(rule);
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`${path}: `)).toBe(true);
  });

  it('mends a lone surrogate in a value (stored, and a query parameter) to U+FFFD', () => {
    expect(parse({ event: { name: 'sign\ud800up' } })).toMatchObject({ event: { name: 'sign\ufffdup' } });
    expect(parse({ attribute: { dimension: 'COUNTRY', in: ['\udfffRU'] } })).toMatchObject({ attribute: { in: ['\ufffdRU'] } });
  });

  it('bounds depth and leaves', () => {
    let deep: unknown = { lastSeen: { withinDays: 1 } };
    for (let i = 0; i < 9; i++) deep = { not: deep };
    expect(errorOf(deep).message).toMatch(/nest at most 8 levels/);
    const wide = { any: Array.from({ length: 51 }, () => ({ lastSeen: { withinDays: 1 } })) };
    expect(errorOf(wide)).toMatchObject({ path: 'rule.any[50].lastSeen' });
  });

  it('ruleWindowDays is the longest window of any leaf', () => {
    expect(ruleWindowDays(parse({ all: [{ lastSeen: { withinDays: 3 } }, { not: { event: { name: 'x', withinDays: 60 } } }] }))).toBe(60);
  });
});

describe('compileSegmentRule', () => {
  const now = new Date('2026-11-24T12:00:00.000Z');

  it('puts every value in a parameter, none in the SQL', () => {
    const hostile = "'); DROP TABLE events; --";
    const rule = parse({
      any: [
        { visited: { path: { contains: hostile } } },
        { event: { name: hostile, atLeast: 2 } },
        { attribute: { dimension: 'UTM_CAMPAIGN', in: [hostile] } },
        { all: [{ visits: { atLeast: 3, withinDays: 7 } }, { not: { lastSeen: { withinDays: 1 } } }] },
      ],
    });
    const { sql, params } = compileSegmentRule(rule, "sh'op", now);
    expect(sql).not.toContain('DROP');
    expect(sql).not.toContain("sh'op");
    expect(sql).toContain('utm_campaign IN {p');
    expect(Object.values(params)).toContain(hostile);
    expect(params).toMatchObject({ site: "sh'op", now: '2026-11-24 12:00:00.000', window: 30 });
    // Every {name:Type} placeholder has its parameter.
    for (const [, name] of sql.matchAll(/\{(\w+):/g)) expect(params).toHaveProperty(name!);
  });

  it('reads only the candidates: the site, cookie pids, no bots, the longest window', () => {
    const { sql, params } = compileSegmentRule(parse({ lastSeen: { withinDays: 9 } }), 'shop', now);
    expect(sql).toMatch(/WHERE site = \{site:String\} AND pid != 0 AND is_bot = 0/);
    expect(params.window).toBe(9);
    expect(sql).toMatch(/GROUP BY pid\nHAVING \(countIf\(ts >= \{now:DateTime64\(3\)\} - toIntervalDay\(\{p0:UInt32\}\)\) > 0\)$/);
  });
});
