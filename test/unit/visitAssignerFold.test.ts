import { describe, expect, it } from 'vitest';
import type { EventRow } from '../../src/privacy/toEventRow.ts';
import type { EventStore } from '../../src/store/eventStore.ts';
import { nowSql } from '../../src/store/sqlTime.ts';
import { createVisitAssigner, type PlacedHit } from '../../src/visits/visitAssigner.ts';
import { memoryVisitStateStore } from '../../src/visits/visitStateStore.ts';
import type { VisitRow } from '../../src/visits/visitRow.ts';

const KEEP = 7_200_000;
const T0 = Date.now() - 3_600_000;

function hit(ms: number, pid: string, path: string): PlacedHit {
  const row = {
    ...{ site: 's', ts: nowSql(new Date(ms)), event_id: `e${ms}`, pid, key_version: 1, visitor_hash: '0', type: 'pageview', name: '', host: 'h', path },
    ...{ referrer_source: 'direct', referrer_host: '', utm_source: '', utm_medium: '', utm_campaign: '', utm_term: '', utm_content: '' },
    ...{ browser: 'Firefox', os: 'Linux', device: 'desktop', screen: '', language: 'ru', country: 'RU', region: '', is_bot: 0, consent: 1, engagement_ms: 0, props: {}, retention_days: 30 },
  } as EventRow;
  return { row, ms };
}

/** The live rows of a visits table holding these rows (a +1 whose version has no -1). */
function live(rows: readonly VisitRow[]): VisitRow[] {
  const signs = new Map<string, number>();
  for (const r of rows) signs.set(`${r.visit_id}/${r.version}`, (signs.get(`${r.visit_id}/${r.version}`) ?? 0) + r.sign);
  return rows.filter((r) => r.sign === 1 && signs.get(`${r.visit_id}/${r.version}`) === 1);
}

describe('the visits of one request', () => {
  it('are written as one new version per visit, cancelling only the stored one', async () => {
    const state = memoryVisitStateStore({ keepMs: KEEP, maxVisitors: 100 });
    state.load([], Date.now() - KEEP);
    // No hit is older than the store's memory: ClickHouse is never asked.
    const assigner = createVisitAssigner({ store: {} as EventStore, state, maxFutureMs: 0 });
    const first = await assigner.place([hit(T0, '7', '/a')]);
    expect(first.visitRows).toHaveLength(1);
    await first.commit();
    const min = (n: number) => T0 + n * 60_000;
    const again = await assigner.place([hit(min(1), '7', '/b'), hit(min(2), '8', '/x'), hit(min(3), '7', '/c'), hit(min(4), '7', '/d'), hit(min(5), '8', '/y')]);
    await again.commit();
    const visitOf7 = first.visitRows[0]!.visit_id;
    // Visitor 7: the stored version 1 cancelled, version 4 stated; visitor 8: its one visit, version 2.
    expect(again.visitRows.map((r) => [r.pid, r.sign, r.version])).toEqual([['7', -1, 1], ['7', 1, 4], ['8', 1, 2]]);
    const all = [...first.visitRows, ...again.visitRows];
    expect(live(all).map((r) => [r.visit_id, r.hits, r.exit_page])).toEqual([[visitOf7, 4, '/d'], [expect.any(String), 2, '/y']]);
  });
});
