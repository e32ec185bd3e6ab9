import { describe, expect, it } from 'vitest';
import type { EventRow } from '../../src/privacy/toEventRow.ts';
import { nowSql } from '../../src/store/sqlTime.ts';
import { packVisits, unpackVisits } from '../../src/visits/packedVisits.ts';
import { placeHit, type VisitState } from '../../src/visits/placeHit.ts';
import { VISIT_ATTRIBUTES, visitRowLine, type VisitRow } from '../../src/visits/visitRow.ts';

const T0 = Date.parse('2026-11-02T10:00:00Z');

function hit(ms: number, extra: Partial<EventRow> = {}): EventRow {
  return {
    ...{ site: 's', ts: nowSql(new Date(ms)), event_id: 'e', pid: '1234567890123456789', key_version: 1, visitor_hash: '0', type: 'pageview', name: '', host: 'h.example', path: '/a' },
    ...{ referrer_source: 'search', referrer_host: 'www.google.com', utm_source: '', utm_medium: '', utm_campaign: '', utm_term: '', utm_content: '' },
    ...{ browser: 'Firefox', os: 'Linux', device: 'desktop', screen: '', language: 'ru', country: 'RU', region: '', is_bot: 0, consent: 1, engagement_ms: 0, props: {}, retention_days: 30 },
    ...extra,
  };
}

/** What ClickHouse stores for a JSONEachRow line: a field left out is its column's default ('' or 0). */
function stored(line: string): VisitRow {
  const parsed = JSON.parse(line) as Partial<VisitRow>;
  const defaults = Object.fromEntries(VISIT_ATTRIBUTES.map((a) => [a, '']));
  return { pageviews: 0, events: 0, entry_page: '', exit_page: '', ...defaults, ...parsed } as VisitRow;
}

describe('a visit row as the visits spool writes it', () => {
  it('reads back as the row JSON.stringify would have written, defaults left out', () => {
    const row = placeHit([], hit(T0), 'p1', T0).visitRows[0]!;
    const line = visitRowLine(row);
    expect(line.endsWith('}\n')).toBe(true);
    expect(stored(line)).toEqual(JSON.parse(JSON.stringify(row)));
    expect(line).not.toContain('"utm_medium"');
    expect(line.length).toBeLessThan(JSON.stringify(row).length);
  });

  it('escapes what JSON must escape in free text, and keeps the rest as it is', () => {
    const odd = ['/q"uote', '/back\\slash', '/new\nline\t', '/\u0001ctl', '/lone\ud800surrogate', '/émoji😀', '/ü\u2028'];
    for (const path of odd) {
      const row = placeHit([], hit(T0, { path, type: 'event', name: 'x', region: path, utm_campaign: path }), 'p1', T0).visitRows[0]!;
      const withPage = { ...row, entry_page: path, exit_page: path };
      const line = visitRowLine(withPage);
      expect(line.indexOf('\n')).toBe(line.length - 1);
      expect(stored(line)).toEqual(JSON.parse(JSON.stringify(withPage)));
    }
  });

  it('writes a cancel row with its sign and the counts that are not zero', () => {
    const first = placeHit([], hit(T0), 'p1', T0);
    const second = placeHit(first.visits, hit(T0 + 60_000, { type: 'event', name: 'x' }), 'p1', T0 + 60_000);
    for (const row of second.visitRows) expect(stored(visitRowLine(row))).toEqual(JSON.parse(JSON.stringify(row)));
    expect(second.visitRows.map((r) => r.sign)).toEqual([-1, 1]);
  });
});

describe('a visitor\'s visits packed for the in-process store', () => {
  it('unpack as they were packed, merged ids included', () => {
    let visits: readonly VisitState[] = [];
    for (const ms of [T0, T0 + 40 * 60_000, T0 + 20 * 60_000, T0 + 3 * 3_600_000]) visits = placeHit(visits, hit(ms, { path: `/p${ms}` }), 'p1', ms).visits;
    expect(visits).toHaveLength(2);
    expect(visits.some((v) => v.absorbed.length === 1)).toBe(true);
    expect(unpackVisits(packVisits(visits))).toEqual(visits);
  });
});
