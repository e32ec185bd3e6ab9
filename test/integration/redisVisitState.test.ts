// The visit state store in Redis against a real redis-server (test/support/redisServer.ts), and two
// collectors' assigners placing the same visitors at once through it (docs/visits.md).
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/cli/mulberry32.ts';
import { createRedisCache, type RedisCache } from '../../src/cache/redisCache.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { EventRow } from '../../src/privacy/toEventRow.ts';
import { openEventStore, type EventStore } from '../../src/store/eventStore.ts';
import { nowSql } from '../../src/store/sqlTime.ts';
import { placeHit } from '../../src/visits/placeHit.ts';
import { redisVisitStateStore, SINCE_KEY } from '../../src/visits/redisVisitStateStore.ts';
import { createVisitAssigner, type PlacedHit } from '../../src/visits/visitAssigner.ts';
import { visitorKey, type VisitRow } from '../../src/visits/visitRow.ts';
import { memoryVisitStateStore, type VisitStateStore } from '../../src/visits/visitStateStore.ts';
import { redisUrlOrSkip } from '../support/redis.ts';
import { tempDir } from '../support/testService.ts';

const redis = redisUrlOrSkip();
const KEEP = 2 * 3_600_000;

function hit(ms: number, pid: string, path: string): EventRow {
  return {
    ...{ site: 's', ts: nowSql(new Date(ms)), event_id: `e${ms}`, pid, key_version: 1, visitor_hash: '0', type: 'pageview', name: '', host: 'h', path },
    ...{ referrer_source: 'direct', referrer_host: '', utm_source: '', utm_medium: '', utm_campaign: '', utm_term: '', utm_content: '' },
    ...{ browser: 'Firefox', os: 'Linux', device: 'desktop', screen: '', language: 'ru', country: 'RU', region: '', is_bot: 0, consent: 1, engagement_ms: 0, props: {}, retention_days: 30 },
  } as EventRow;
}
const visitOf = (ms: number, pid: string) => placeHit([], hit(ms, pid, '/'), `p${pid}`, ms).visits;

describe.skipIf(redis.url === undefined)(`visit state in Redis ${redis.reason}`, () => {
  const prefix = `test:vis:${process.pid}:${Date.now()}:`;
  const caches: RedisCache[] = [];
  let raw: Redis;
  const cache = () => {
    const c = createRedisCache(redis.url!, { keyPrefix: prefix });
    caches.push(c);
    return c;
  };
  beforeAll(() => {
    raw = new Redis(redis.url!, { keyPrefix: prefix });
  });
  afterAll(async () => {
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys.map((k) => k.slice(prefix.length)));
    raw.disconnect();
    await Promise.all(caches.map((c) => c.close()));
  });

  it('writes with the keep time as expiry, reads back, forgets a pid, and vouches for nothing before its marker', async () => {
    const a = redisVisitStateStore(cache(), { keepMs: KEEP });
    const b = redisVisitStateStore(cache(), { keepMs: KEEP });
    const t = Date.now();
    const first = await a.getMany([{ site: 's', key: 'p1' }]);
    expect(first.visits).toEqual([undefined]);
    // No marker: nothing before now is known.
    expect(first.since).toBeGreaterThanOrEqual(t);
    const v1 = visitOf(t - 60_000, '1');
    await a.setMany([{ site: 's', key: 'p1', visits: v1 }]);
    expect(await b.get('s', 'p1')).toEqual(v1);
    const ttl = await raw.pttl('vis:{s}:s:p1');
    expect(ttl).toBeGreaterThan(KEEP - 5_000);
    expect(ttl).toBeLessThanOrEqual(KEEP);

    // Loading keeps what a collector wrote since (the newer version) and adds what is absent; then the marker.
    const loaded = visitOf(t - 3_000_000, '1');
    await b.load([{ site: 's', key: 'p1', visits: [...v1, ...loaded] }, { site: 's', key: 'p2', visits: visitOf(t - 100_000, '2') }], t - KEEP);
    expect((await a.get('s', 'p1'))?.map((v) => v.row.visit_id)).toEqual([...v1, ...loaded].map((v) => v.row.visit_id));
    expect(await raw.get(SINCE_KEY)).toBe(String(t - KEEP));
    const read = await a.getMany([{ site: 's', key: 'p2' }, { site: 's', key: 'p3' }]);
    expect(read.visits[0]).toHaveLength(1);
    expect(read.visits[1]).toBeUndefined();
    expect(read.since).toBe(Math.max(t - KEEP, read.since));
    expect(read.since).toBeLessThan(t - KEEP + 5_000);
    expect(a.since()).toBe(read.since);

    await a.forgetPid('s', '2');
    expect(await b.get('s', 'p2')).toBeUndefined();

    // Redis emptied: the marker is gone, so since is now again, and one collector warms it back.
    await raw.del(SINCE_KEY);
    let warmed = 0;
    const c = redisVisitStateStore(cache(), {
      keepMs: KEEP,
      warm: async () => {
        warmed++;
        await c.load([], Date.now() - KEEP);
      },
    });
    const t2 = Date.now();
    expect((await c.getMany([])).since).toBeGreaterThanOrEqual(t2);
    for (let i = 0; i < 50 && (await raw.get(SINCE_KEY)) === null; i++) await sleep(20);
    expect(warmed).toBe(1);
    expect(await c.ensureWarm()).toBe(true);
    expect(warmed).toBe(1);
  });

  it('holds visitors across processes, all or nothing, and lets a lock expire', async () => {
    const a = redisVisitStateStore(cache(), { keepMs: KEEP, lockTtlMs: 300, lockWaitMs: 2_000 });
    const b = redisVisitStateStore(cache(), { keepMs: KEEP, lockTtlMs: 300, lockWaitMs: 100 });
    const release = await a.hold!([{ site: 's', key: 'p9' }, { site: 't', key: 'p8' }]);
    // Under the cache's prefix, one hash tag per site.
    expect(await raw.exists('vis:{s}:l:p9', 'vis:{t}:l:p8')).toBe(2);
    // Overlapping on one visitor: b takes none of them (p7 stays free) and gives up after its wait.
    await expect(b.hold!([{ site: 's', key: 'p7' }, { site: 's', key: 'p9' }])).rejects.toThrow(/held these visitors/);
    expect(await raw.exists('vis:{s}:l:p7')).toBe(0);
    await release.release();
    const again = await b.hold!([{ site: 's', key: 'p7' }, { site: 's', key: 'p9' }]);
    // Held with the read: the state of each visitor, in order.
    expect(again.visits).toEqual([undefined, undefined]);
    await again.release([{ site: 's', key: 'p7', visits: visitOf(Date.now(), '7') }]);
    expect(await raw.exists('vis:{s}:l:p7', 'vis:{s}:l:p9')).toBe(0);
    expect(await a.get('s', 'p7')).toHaveLength(1);
    // A holder that never releases (a crashed collector) blocks only until the lock's expiry.
    await a.hold!([{ site: 's', key: 'p6' }]);
    const t = Date.now();
    const late = await redisVisitStateStore(cache(), { keepMs: KEEP, lockWaitMs: 2_000 }).hold!([{ site: 's', key: 'p6' }]);
    expect(Date.now() - t).toBeGreaterThan(150);
    await late.release();
  });

  describe('two collectors placing the same visitors at once', () => {
    let store: EventStore;
    beforeAll(async () => {
      store = await openEventStore(loadConfig({ CALYPSO_DATA_DIR: tempDir() }));
    });
    afterAll(() => store?.close());

    /** Eight visitors' hits over the last 80 minutes: minutes apart, sometimes about the 30-minute gap. */
    const traffic = (now: number): PlacedHit[] => {
      const rnd = mulberry32(20261201);
      const out: PlacedHit[] = [];
      for (let v = 0; v < 8; v++) {
        let t = now - 80 * 60_000 + Math.floor(rnd() * 60_000);
        for (let i = 0; t < now - 60_000; i++) {
          out.push({ row: hit(t, String(100 + v), `/p${i % 4}`), ms: t });
          t += rnd() < 0.75 ? Math.floor(rnd() * 240_000) + 1 : 1_799_000 + Math.floor(rnd() * 2_000);
        }
      }
      return out;
    };
    const copy = (hits: readonly PlacedHit[]) => hits.map((h) => ({ ...h, row: { ...h.row } }));
    /** Places each batch and, after an append of random length, commits it; every row it wrote. */
    const run = async (assigner: ReturnType<typeof createVisitAssigner>, batch: PlacedHit[], rows: VisitRow[], rnd: () => number) => {
      const placed = await assigner.place(batch);
      await sleep(Math.floor(rnd() * 4));
      rows.push(...placed.visitRows);
      await placed.commit();
    };
    /** The live visits' facts, and each visit version's net sign. */
    const outcome = (rows: readonly VisitRow[]) => {
      const signs = new Map<string, number>();
      const byId = new Map<string, number>();
      for (const r of rows) {
        signs.set(`${r.visit_id}/${r.version}`, (signs.get(`${r.visit_id}/${r.version}`) ?? 0) + r.sign);
        byId.set(r.visit_id, (byId.get(r.visit_id) ?? 0) + r.sign);
      }
      const live = rows.filter((r) => r.sign === 1 && signs.get(`${r.visit_id}/${r.version}`) === 1);
      const facts = live.map((r) => [r.pid, r.start, r.end, r.hits, r.pageviews, r.entry_page, r.exit_page].join(' ')).sort();
      return { facts, versionSigns: [...new Set(signs.values())].sort(), idSigns: [...new Set(byId.values())].sort(), liveIds: new Set(live.map((r) => r.visit_id)), byId };
    };

    it('form exactly the visits one collector forms from the hits in time order', async () => {
      const now = Date.now();
      const hits = traffic(now);
      expect(hits.length).toBeGreaterThan(60);
      // The reference: one assigner, in-process state, hits in time order.
      const reference: VisitRow[] = [];
      const one = createVisitAssigner({ store, state: memoryVisitStateStore({ keepMs: KEEP, maxVisitors: 1000 }), maxFutureMs: 0 });
      const rndRef = mulberry32(1);
      for (const h of copy(hits).sort((x, y) => x.ms - y.ms)) await run(one, [h], reference, rndRef);

      // Two collectors: each its own connection, store instance and in-process hold; the store vouches
      // for the last two hours (its marker), so no hit here needs ClickHouse.
      const stores: VisitStateStore[] = [0, 1].map(() => redisVisitStateStore(cache(), { keepMs: KEEP }));
      await raw.set(SINCE_KEY, String(now - KEEP));
      const collectors = stores.map((state) => createVisitAssigner({ store, state, maxFutureMs: 0 }));
      const rnd = mulberry32(2);
      const shuffled = copy(hits).sort(() => rnd() - 0.5);
      const rows: VisitRow[] = [];
      const batches: PlacedHit[][] = [];
      for (let i = 0; i < shuffled.length; ) {
        const n = 1 + Math.floor(rnd() * 3);
        batches.push(shuffled.slice(i, i + n));
        i += n;
      }
      await Promise.all(batches.map((b, i) => run(collectors[i % 2]!, b, rows, rnd)));

      const got = outcome(rows);
      const want = outcome(reference);
      // Each version stated once and cancelled at most once; a visit's versions sum to 1 (live) or 0.
      expect(got.versionSigns.every((s) => s === 0 || s === 1)).toBe(true);
      for (const [id, sum] of got.byId) expect(sum).toBe(got.liveIds.has(id) ? 1 : 0);
      expect(got.facts).toEqual(want.facts);
      expect(want.facts.length).toBeGreaterThan(6);
      // Every hit names a live visit or one merged into it.
      expect(shuffled.every((h) => got.byId.has(h.row.visit_id!))).toBe(true);
      expect(visitorKey(shuffled[0]!.row)).toMatch(/^p1\d\d$/);
    });
  });
});
