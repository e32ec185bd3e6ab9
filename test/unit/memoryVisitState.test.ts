import { describe, expect, it } from 'vitest';
import type { VisitState } from '../../src/visits/placeHit.ts';
import { memoryVisitStateStore } from '../../src/visits/visitStateStore.ts';

const visits = (id: string): VisitState[] => [{ row: { visit_id: id } as VisitState['row'], absorbed: [] }];

describe('the in-process visit state', () => {
  it('keeps at most maxVisitors, dropping the least recently written, and says it no longer knows what they were', async () => {
    let t = 1_000_000;
    const store = memoryVisitStateStore({ keepMs: 7_200_000, maxVisitors: 2, now: () => t });
    store.load([], t - 7_200_000);
    await store.set('s', 'a', visits('1'));
    t += 10;
    await store.set('s', 'b', visits('2'));
    t += 10;
    await store.set('s', 'a', visits('3')); // a is written again: b is now the oldest
    t += 10;
    await store.set('s', 'c', visits('4'));
    expect(await store.get('s', 'b')).toBeUndefined();
    expect((await store.get('s', 'a'))?.[0]?.row.visit_id).toBe('3');
    expect(await store.get('s', 'c')).toBeDefined();
    // Visits written up to b's write may be gone: hits that could touch them are looked up in ClickHouse.
    expect(store.since()).toBe(1_000_000 + 10 + 1);
  });

  it('takes a visitor\'s id from its reference when given, as the same visitor as by site and key', async () => {
    const store = memoryVisitStateStore({ keepMs: 7_200_000, maxVisitors: 100 });
    store.load([], Date.now() - 1000);
    await store.setMany([{ site: 's', key: 'pa', id: 's\u0000pa', visits: visits('1') }]);
    expect((await store.get('s', 'pa'))?.[0]?.row.visit_id).toBe('1');
    await store.set('s', 'pb', visits('2'));
    const read = await store.getMany([{ site: 's', key: 'pb', id: 's\u0000pb' }, { site: 's', key: 'pa' }, { site: 's', key: 'pc', id: 's\u0000pc' }]);
    expect(read.visits.map((v) => v?.[0]?.row.visit_id)).toEqual(['2', '1', undefined]);
  });

  it('keeps the latest visits of each visitor through many rewrites, evicting nobody under the cap', async () => {
    let t = 0;
    const store = memoryVisitStateStore({ keepMs: 7_200_000, maxVisitors: 1_000, now: () => t });
    for (let i = 0; i < 200_000; i++) {
      t++;
      await store.set('s', `v${i % 500}`, visits(String(i)));
    }
    expect((await store.get('s', 'v499'))?.[0]?.row.visit_id).toBe('199999');
    expect(store.since()).toBe(0);
  });

  it('forgets a pid: every visit, or (an erasure learnt later) those started by the erasure, keeping the rest', async () => {
    const at = (id: string, start: string): VisitState => ({ row: { visit_id: id, start } as VisitState['row'], absorbed: [] });
    const store = memoryVisitStateStore({ keepMs: 7_200_000, maxVisitors: 100 });
    const erasedAt = Date.parse('2026-11-30T10:00:00Z');
    await store.set('s', 'p7', [at('old', '2026-11-30 09:50:00.000'), at('same', '2026-11-30 10:00:00.000'), at('new', '2026-11-30 10:00:00.500')]);
    await store.set('s', 'p8', [at('other', '2026-11-30 09:50:00.000')]);
    await store.set('s', 'p9', [at('gone', '2026-11-30 09:59:00.000')]);
    store.forgetErased('s', '7', erasedAt);
    expect((await store.get('s', 'p7'))?.map((v) => v.row.visit_id)).toEqual(['new']);
    store.forgetErased('s', '9', erasedAt);
    expect(await store.get('s', 'p9')).toBeUndefined();
    await store.forgetPid('s', '7');
    expect(await store.get('s', 'p7')).toBeUndefined();
    expect((await store.get('s', 'p8'))?.length).toBe(1);
  });
});
