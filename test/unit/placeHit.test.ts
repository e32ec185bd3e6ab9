import { describe, expect, it } from 'vitest';
import type { EventRow } from '../../src/privacy/toEventRow.ts';
import { nowSql } from '../../src/store/sqlTime.ts';
import { placeHit, type VisitState } from '../../src/visits/placeHit.ts';
import { makeVisitId, visitorKey } from '../../src/visits/visitRow.ts';

const T0 = Date.parse('2026-11-02T10:00:00Z');
const min = (n: number) => T0 + n * 60_000;

function hit(ms: number, path: string, extra: Partial<EventRow> = {}): EventRow {
  return {
    site: 's',
    ts: nowSql(new Date(ms)),
    event_id: 'e',
    pid: '42',
    key_version: 1,
    visitor_hash: '0',
    type: 'pageview',
    name: '',
    host: 'h',
    path,
    referrer_source: 'direct',
    referrer_host: '',
    utm_source: '',
    utm_medium: '',
    utm_campaign: '',
    utm_term: '',
    utm_content: '',
    browser: 'Firefox',
    os: 'Linux',
    device: 'desktop',
    screen: '',
    language: 'ru',
    country: 'RU',
    region: '',
    is_bot: 0,
    consent: 1,
    engagement_ms: 0,
    props: {},
    retention_days: 30,
    ...extra,
  };
}

/** Feeds hits in the given order and returns the visitor's visits. */
function feed(hits: Array<[number, string, Partial<EventRow>?]>): { visits: readonly VisitState[]; ids: string[]; rows: number } {
  let visits: readonly VisitState[] = [];
  const ids: string[] = [];
  let rows = 0;
  for (const [ms, path, extra] of hits) {
    const h = hit(ms, path, extra);
    const p = placeHit(visits, h, visitorKey(h), ms);
    visits = p.visits;
    ids.push(p.visitId);
    rows += p.visitRows.reduce((n, r) => n + r.sign, 0);
  }
  return { visits, ids, rows };
}

describe('placeHit', () => {
  it('keeps hits within 30 minutes of each other in one visit and opens a new one after a longer gap', () => {
    const { visits, ids, rows } = feed([
      [min(0), '/a', { referrer_source: 'search' }],
      [min(10), '/b'],
      [min(40), '/c'], // 30 minutes after /b: still the same visit
      [min(71), '/d'], // 31 minutes after /c: a new visit
    ]);
    expect(ids[0]).toBe(makeVisitId(min(0), 'p42'));
    expect(new Set(ids.slice(0, 3)).size).toBe(1);
    expect(ids[3]).not.toBe(ids[0]);
    // Each hit cancels the version it replaces: one live row per visit.
    expect(rows).toBe(2);
    const first = visits.find((v) => v.row.visit_id === ids[0])!.row;
    expect(first).toMatchObject({ hits: 3, pageviews: 3, entry_page: '/a', exit_page: '/c', referrer_source: 'search', version: 3, start: nowSql(new Date(min(0))), end: nowSql(new Date(min(40))) });
  });

  it('places hits arriving out of order as if they had come in order', () => {
    const { visits } = feed([
      [min(40), '/c'],
      [min(0), '/a', { referrer_source: 'search' }], // 40 minutes earlier: a visit of its own for now
      [min(20), '/b'], // bridges both: they become one visit, the earlier one's id
    ]);
    expect(visits).toHaveLength(1);
    const v = visits[0]!;
    expect(v.row).toMatchObject({ visit_id: makeVisitId(min(0), 'p42'), hits: 3, pageviews: 3, entry_page: '/a', exit_page: '/c', referrer_source: 'search' });
    expect(v.absorbed).toEqual([makeVisitId(min(40), 'p42')]);
  });

  it('cancels the merged-away visit and aliases its id to the one that stays', () => {
    let visits: readonly VisitState[] = [];
    for (const [ms, path] of [[min(0), '/a'], [min(40), '/c']] as const) visits = placeHit(visits, hit(ms, path), 'p42', ms).visits;
    const p = placeHit(visits, hit(min(20), '/b'), 'p42', min(20));
    expect(p.visitRows.filter((r) => r.sign === -1).map((r) => r.visit_id).sort()).toEqual([makeVisitId(min(0), 'p42'), makeVisitId(min(40), 'p42')].sort());
    expect(p.aliasRows).toMatchObject([{ visit_id: makeVisitId(min(40), 'p42'), alias_of: makeVisitId(min(0), 'p42') }]);
  });

  it('takes the entry page from the first pageview and the attributes from the first hit of any type', () => {
    const { visits } = feed([
      [min(5), '/p'],
      [min(1), '/', { type: 'event', name: 'x', browser: 'Chrome' }],
      [min(9), '/q', { type: 'event', name: 'y' }],
    ]);
    expect(visits[0]!.row).toMatchObject({ hits: 3, pageviews: 1, events: 2, entry_page: '/p', exit_page: '/p', browser: 'Chrome', start: nowSql(new Date(min(1))) });
  });

  it('keys cookieless visitors by their day, so their visits never cross midnight', () => {
    const a = hit(Date.parse('2026-11-02T23:50:00Z'), '/', { pid: '0', visitor_hash: '7' });
    const b = hit(Date.parse('2026-11-03T00:05:00Z'), '/', { pid: '0', visitor_hash: '7' });
    expect(visitorKey(a)).not.toBe(visitorKey(b));
  });
});
