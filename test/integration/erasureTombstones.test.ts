// Erasure tombstones as another instance's collector learns them: the last hour's re-read often, every
// one at start and on the slow full read, over chDB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowSql } from '../../src/store/sqlTime.ts';
import { createErasureTombstones } from '../../src/subjects/erasureTombstones.ts';
import { eventually, startTestService, type TestService } from '../support/testService.ts';

describe('erasure tombstones', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const erase = (site: string, pid: string, at: Date) =>
    svc.store.insert('erasures', [{ id: `era_${site}_${pid}`, site, pid, erased_at: nowSql(at), reason: 'test', events_erased: 0, held_until: nowSql(new Date(Date.now() + 86_400_000)) }]);

  it('an erasure made elsewhere is seen within refreshMs; older ones at start and at the full read', async () => {
    const old = new Date(Date.now() - 3 * 3_600_000);
    await erase('tomb', '1', old);
    const quick = createErasureTombstones(svc.store, { refreshMs: 50, fullReadEveryMs: 3_600_000 });
    await quick.ready;
    expect(await quick.erasedAt('tomb', '1')).toBe(old.getTime()); // the first read holds every one
    const now = new Date();
    await erase('tomb', '2', now);
    expect(await eventually(async () => quick.erasedAt('tomb', '2'), (at) => at !== undefined)).toBe(now.getTime());
    // A row stamped hours ago that lands only now is not in the last hour's reads, only in the full one.
    await erase('tomb', '3', old);
    await new Promise((r) => setTimeout(r, 200));
    expect(await quick.erasedAt('tomb', '3')).toBeUndefined();
    const full = createErasureTombstones(svc.store, { refreshMs: 50, fullReadEveryMs: 0 });
    await full.ready;
    await erase('tomb', '4', old);
    expect(await eventually(async () => full.erasedAt('tomb', '4'), (at) => at !== undefined)).toBe(old.getTime());
    expect(await quick.erasedAt('tomb', '1')).toBe(old.getTime()); // the quick reads keep what they had
  });

  it('tells its listeners of each tombstone a re-read brings, once, without a hit asking', async () => {
    const tombs = createErasureTombstones(svc.store, { refreshMs: 50, fullReadEveryMs: 3_600_000 });
    await tombs.ready;
    const told: string[] = [];
    tombs.onErased((site, pid, at) => told.push(`${site}/${pid}@${at}`));
    try {
      const at = new Date();
      await erase('tell', '1', at);
      expect(await eventually(async () => told, (t) => t.length > 0)).toEqual([`tell/1@${at.getTime()}`]);
      // Several re-reads later it is still told once; the tombstones of before the listener are not told.
      await new Promise((r) => setTimeout(r, 300));
      expect(told).toEqual([`tell/1@${at.getTime()}`]);
    } finally {
      tombs.close();
    }
  });
});
