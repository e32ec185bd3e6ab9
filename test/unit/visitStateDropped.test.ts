import { describe, expect, it } from 'vitest';
import type { EventRow } from '../../src/privacy/toEventRow.ts';
import type { EventStore } from '../../src/store/eventStore.ts';
import { nowSql } from '../../src/store/sqlTime.ts';
import { createVisitAssigner, type PlacedHit } from '../../src/visits/visitAssigner.ts';
import type { VisitState } from '../../src/visits/placeHit.ts';
import { memoryVisitStateStore } from '../../src/visits/visitStateStore.ts';

const KEEP = 7_200_000;

function hit(ms: number, pid: string): PlacedHit {
  const row = {
    ...{ site: 's', ts: nowSql(new Date(ms)), event_id: `e${pid}`, pid, key_version: 1, visitor_hash: '0', type: 'pageview', name: '', host: 'h', path: '/' },
    ...{ referrer_source: 'direct', referrer_host: '', utm_source: '', utm_medium: '', utm_campaign: '', utm_term: '', utm_content: '' },
    ...{ browser: 'Firefox', os: 'Linux', device: 'desktop', screen: '', language: 'ru', country: 'RU', region: '', is_bot: 0, consent: 1, engagement_ms: 0, props: {}, retention_days: 30 },
  } as EventRow;
  return { row, ms };
}

describe('a visit state store full to its cap', () => {
  it('sends only the visitors it dropped to ClickHouse, not every new one', async () => {
    const asked: string[][] = [];
    // Records which visitors ClickHouse is asked about (none of them has stored visits).
    const store = { query: async (_sql: string, params: { pids: bigint[] }) => (asked.push(params.pids.map(String)), []) } as unknown as EventStore;
    const state = memoryVisitStateStore({ keepMs: KEEP, maxVisitors: 2 });
    state.load([], Date.now() - KEEP);
    const assigner = createVisitAssigner({ store, state, maxFutureMs: 0 });
    const place = async (pid: string) => (await assigner.place([hit(Date.now(), pid)])).commit();
    for (const pid of ['1', '2', '3']) await place(pid);
    // Visitor 1 was dropped for room: the store no longer vouches for the last minutes as a whole.
    expect(state.since()).toBeGreaterThan(Date.now() - 60_000);
    expect(asked).toEqual([]);
    await place('4');
    expect(asked).toEqual([]);
    await place('1');
    expect(asked).toEqual([['1']]);
  });
});

describe('the in-process store\'s own `since` per visitor', () => {
  it('is never earlier than the newest write a dropped visitor lost, and no later than the store\'s for (almost) every new one', async () => {
    let t = 1_000_000_000;
    const state = memoryVisitStateStore({ keepMs: KEEP, maxVisitors: 1_000, now: () => t });
    state.load([], t - KEEP);
    const visits: VisitState[] = [{ row: { visit_id: '1' } as VisitState['row'], absorbed: [] }];
    const written = new Map<string, number>();
    // 200 000 visitors, some written twice far apart, one write a millisecond: 199 000 dropped for room.
    for (let i = 0; i < 200_000; i++) {
      t++;
      const key = i % 10 === 9 ? `p${i - 9_000}` : `p${i}`;
      await state.set('s', key, visits);
      written.set(key, t);
    }
    const keys = [...written.keys()];
    const read = await state.getMany(keys.map((key) => ({ site: 's', key })));
    let early = 0;
    for (const [i, key] of keys.entries()) if (read.visits[i] === undefined && read.sinceEach![i]! <= written.get(key)!) early++;
    expect(early).toBe(0);
    const fresh = await state.getMany(Array.from({ length: 100_000 }, (_, i) => ({ site: 's', key: `q${i}` })));
    const base = t - KEEP;
    expect(fresh.sinceEach!.filter((x) => x > base).length).toBeLessThanOrEqual(50);
    // Two hours on, every drop is older than the store's span: no visitor has a `since` of its own.
    t += KEEP + 1;
    await state.set('s', 'later', visits);
    expect('sinceEach' in (await state.getMany([{ site: 's', key: 'p1' }]))).toBe(false);
  });
});
