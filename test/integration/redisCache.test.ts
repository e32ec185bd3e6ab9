// The Redis cache against a real redis-server (started by test/support/redisServer.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cache } from '../../src/cache/cache.ts';
import { createCacheLock } from '../../src/cache/cacheLock.ts';
import { createRedisCache } from '../../src/cache/redisCache.ts';
import { redisUrlOrSkip } from '../support/redis.ts';

const redis = redisUrlOrSkip();

describe.skipIf(redis.url === undefined)(`Redis cache ${redis.reason}`, () => {
  let a: Cache;
  let b: Cache;
  const prefix = `test:${process.pid}:${Date.now()}:`;
  beforeAll(() => {
    a = createRedisCache(redis.url!, { keyPrefix: prefix });
    b = createRedisCache(redis.url!, { keyPrefix: prefix });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('sets, reads, expires and deletes', async () => {
    expect(a.kind).toBe('redis');
    await a.set('k', 'v', 150);
    expect(await b.get('k')).toBe('v');
    await new Promise((r) => setTimeout(r, 300));
    expect(await b.get('k')).toBeNull();
    await a.set('d', '1', 10_000);
    expect(await a.del('d', 'missing')).toBe(1);
    expect(await a.get('d')).toBeNull();
  });

  it('sets-if-absent once across clients, and deletes only with the right token', async () => {
    const results = await Promise.all([a.setIfAbsent('once', 'a', 10_000), b.setIfAbsent('once', 'b', 10_000)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const holder = await a.get('once');
    const other = holder === 'a' ? 'b' : 'a';
    expect(await b.deleteIfEquals('once', other)).toBe(false);
    expect(await b.deleteIfEquals('once', holder!)).toBe(true);
    expect(await a.get('once')).toBeNull();
  });

  it('a lock on Redis excludes a second instance', async () => {
    const la = createCacheLock(a);
    const lb = createCacheLock(b);
    let inside = 0;
    let maxInside = 0;
    const work = async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await new Promise((r) => setTimeout(r, 50));
      inside--;
    };
    await Promise.all([la.withLock('probe', work), lb.withLock('probe', work), la.withLock('probe', work)]);
    expect(maxInside).toBe(1);
  });

  it('pipelines concurrent commands (auto-pipelining on)', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `p${i}`);
    await Promise.all(keys.map((k) => a.set(k, k, 10_000)));
    expect(await Promise.all(keys.map((k) => b.get(k)))).toEqual(keys);
  });
});
