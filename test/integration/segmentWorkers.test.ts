// Two workers on one Redis and one store: the refresh lock lets one refresh at a time, and a holder that
// stalls past its lock's expiry is fenced off: its late switch is refused and the newer version stays live.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache, type RedisCache } from '../../src/cache/redisCache.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { createRedisSegmentIndex } from '../../src/segments/redisSegmentIndex.ts';
import { FencedError, type SegmentIndex } from '../../src/segments/segmentIndex.ts';
import { createMaterialiser, type Materialiser } from '../../src/segments/segmentMaterialiser.ts';
import { createRefreshLock, type RefreshLock } from '../../src/segments/segmentRefreshLock.ts';
import { createSegmentStore } from '../../src/segments/segmentStore.ts';
import { createSiteStore } from '../../src/sites/siteStore.ts';
import type { EventStore } from '../../src/store/eventStore.ts';
import { loadConfig } from '../../src/config/config.ts';
import { redisUrlOrSkip } from '../support/redis.ts';
import { siteWithKey, startTestService, type TestService } from '../support/testService.ts';

const redis = redisUrlOrSkip();

describe.skipIf(redis.url === undefined)(`two segment workers ${redis.reason}`, () => {
  const prefix = `w${process.pid}${Date.now()}:`;
  let svc: TestService;
  const caches: RedisCache[] = [];
  let inside = 0;
  let maxInside = 0;

  /** Counts holders inside the lock: the real Redis lock underneath decides who gets in. */
  const counted = (lock: RefreshLock): RefreshLock => ({
    run: (fn, waitMs) =>
      lock.run(async (fence) => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        try {
          return await fn(fence);
        } finally {
          inside--;
        }
      }, waitMs),
  });

  const worker = (opts: { ttlMs?: number; store?: EventStore } = {}): { materialiser: Materialiser; index: SegmentIndex } => {
    const cache = createRedisCache(redis.url!, { keyPrefix: prefix });
    caches.push(cache);
    const index = createRedisSegmentIndex(cache);
    const store = opts.store ?? svc.store;
    const materialiser = createMaterialiser({
      store,
      segments: createSegmentStore(store),
      index,
      sites: createSiteStore(store),
      lock: counted(createRefreshLock(cache, { ttlMs: opts.ttlMs })),
      log: createLogger(loadConfig({ CALYPSO_LOG_LEVEL: 'silent' })),
      metrics: createMetrics(),
    });
    return { materialiser, index };
  };

  const define = async (rule: string) => {
    const r = await svc.gql<{ defineSegment: { id: string } }>(svc.adminKey, 'ADMINISTRATION', `mutation { defineSegment(site: "workers", name: "w", rule: ${rule}) { id } }`);
    return r.data!.defineSegment.id;
  };

  beforeAll(async () => {
    svc = await startTestService({ env: { REDIS_URL: redis.url!, REDIS_KEY_PREFIX: prefix, CALYPSO_SEGMENT_TICK_MS: '3600000' } });
    await siteWithKey(svc, 'workers', ['ADVERTISING']);
    await svc.collect({ site: 'workers', url: 'https://workers.example/', cid: 'w1', consent: { statistics: true, advertising: true } });
    await svc.flush();
  });
  afterAll(async () => {
    await Promise.all(caches.map((c) => c.close()));
    await svc?.stop();
  });

  it('two concurrent schedule passes refresh each due segment once, never two at a time', async () => {
    const ids = [await define('{ lastSeen: { withinDays: 1 } }'), await define('{ visits: { atLeast: 1 } }'), await define('{ event: { name: "x" } }')];
    const [a, b] = [worker(), worker()];
    maxInside = 0;
    const results = await Promise.all([a.materialiser.tick(), b.materialiser.tick()]);
    expect(maxInside).toBe(1);
    const refreshed = results.reduce((n, r) => n + (r?.refreshed ?? 0), 0);
    expect(refreshed).toBe(ids.length);
    const live = await a.index.liveVersions('workers');
    for (const id of ids) expect(live.get(id)).toMatch(/^\d+$/);
    // Nothing is due any more: a second pass refreshes nothing.
    expect(await a.materialiser.tick()).toEqual({ refreshed: 0, repaired: 0 });
  });

  it('concurrent refreshes from two workers never overlap, and every one goes live in turn', async () => {
    const id = await define('{ lastSeen: { withinDays: 1 } }');
    const [a, b] = [worker(), worker()];
    maxInside = 0;
    const states = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).materialiser.refresh(id)));
    expect(maxInside).toBe(1);
    expect(new Set(states.map((s) => s.liveVersion)).size).toBe(10);
    const newest = states.map((s) => BigInt(s.liveVersion)).reduce((x, y) => (x > y ? x : y));
    expect((await a.index.liveVersions('workers')).get(id)).toBe(String(newest));
  });

  it('a holder that stalls past its lock expiry is fenced off; the newer version stays live', async () => {
    const id = await define('{ lastSeen: { withinDays: 1 } }');
    // The stalled worker's store pauses on reading the members back, after its insert, before its switch.
    let stalled!: () => void;
    const resumed = new Promise<void>((r) => (stalled = r));
    const slowStore: EventStore = {
      ...svc.store,
      async queryColumn(sql, params) {
        const rows = await svc.store.queryColumn(sql, params);
        await resumed;
        return rows;
      },
    };
    const slow = worker({ ttlMs: 300, store: slowStore });
    const fast = worker();
    const late = slow.materialiser.refresh(id).then(
      () => 'switched',
      (err: unknown) => err,
    );
    await sleep(500); // the slow holder's lock has expired
    const winner = await fast.materialiser.refresh(id, 5_000);
    stalled();
    const outcome = await late;
    expect(outcome).toBeInstanceOf(FencedError);
    expect((await fast.index.liveVersions('workers')).get(id)).toBe(winner.liveVersion);
    const state = (await createSegmentStore(svc.store).states('workers')).get(id);
    expect(state).toMatchObject({ liveVersion: winner.liveVersion, error: '' });
  });

  it('a failed refresh leaves the previous version live and says why', async () => {
    const id = await define('{ lastSeen: { withinDays: 1 } }');
    const good = worker();
    const live = await good.materialiser.refresh(id);
    // ClickHouse refuses the reading back of the new members (a real error from the real engine).
    const failing: EventStore = { ...svc.store, queryColumn: (sql, params) => svc.store.queryColumn(sql.replace('FROM segment_members', 'FROM no_such_table'), params) };
    const broken = worker({ store: failing });
    await expect(broken.materialiser.refresh(id)).rejects.toThrow(/no_such_table/);
    expect((await good.index.liveVersions('workers')).get(id)).toBe(live.liveVersion);
    const state = (await createSegmentStore(svc.store).states('workers')).get(id);
    expect(state).toMatchObject({ liveVersion: live.liveVersion, size: live.size });
    expect(state?.error).toMatch(/no_such_table/);
    const seen = await svc.gql<{ segment: { status: string; size: number | null; error: string } }>(svc.adminKey, 'ADMINISTRATION', `{ segment(id: "${id}") { status error } }`);
    expect(seen.data?.segment.status).toBe('FAILED');
    // The half-built version's members are gone; only the live version's remain.
    const versions = await svc.store.query<{ v: string }>('SELECT DISTINCT toString(version) AS v FROM segment_members WHERE segment_id = {id:String}', { id });
    expect(versions.map((r) => r.v)).toEqual([live.liveVersion]);
    // And a look-up still answers from the live version.
    const key = await svc.gql<{ createApiKey: { secret: string } }>(svc.adminKey, 'ADMINISTRATION', 'mutation { createApiKey(name: "ads", purposes: [ADVERTISING], sites: ["workers"]) { secret } }');
    const r = await svc.gql<{ segmentsForCookie: string[] }>(key.data!.createApiKey.secret, 'ADVERTISING', '{ segmentsForCookie(site: "workers", cookieId: "w1") }');
    expect(r.data?.segmentsForCookie).toContain(id);
  });
});
