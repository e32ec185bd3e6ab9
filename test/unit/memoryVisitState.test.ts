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
});
