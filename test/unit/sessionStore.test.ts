// Dashboard sessions in the in-process cache: the cache holds a digest of the id and the key's id only,
// the idle time is renewed on use (at most once a minute), an ended or expired session is gone.
import { describe, expect, it } from 'vitest';
import type { Cache } from '../../src/cache/cache.ts';
import { createMemoryCache } from '../../src/cache/memoryCache.ts';
import { createSessionStore, sessionIdOf } from '../../src/dashboard/sessionStore.ts';

/** The real memory cache, with every write it takes recorded. */
function recorded(): { cache: Cache; sets: Array<{ key: string; value: string; ttlMs: number }> } {
  const inner = createMemoryCache();
  const sets: Array<{ key: string; value: string; ttlMs: number }> = [];
  return {
    sets,
    cache: {
      ...inner,
      kind: inner.kind,
      async set(key, value, ttlMs) {
        sets.push({ key, value, ttlMs });
        return inner.set(key, value, ttlMs);
      },
    },
  };
}

describe('session store', () => {
  it("keeps the key's id under a digest of the session id, never the id itself", async () => {
    const { cache, sets } = recorded();
    const store = createSessionStore(cache, 720 * 60_000);
    const id = await store.create('key_1');
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await store.keyIdOf(id)).toBe('key_1');
    expect(sets).toHaveLength(1);
    expect(sets[0]!.key).toMatch(/^session:[0-9a-f]{64}$/);
    expect(sets[0]!.key + sets[0]!.value).not.toContain(id);
    expect(sets[0]!.ttlMs).toBe(720 * 60_000);
  });

  it('renews the idle time on use, at most once a minute', async () => {
    const { cache, sets } = recorded();
    let t = 1_000_000;
    const store = createSessionStore(cache, 720 * 60_000, () => t);
    const id = await store.create('key_1');
    t += 30_000;
    expect(await store.keyIdOf(id)).toBe('key_1');
    expect(sets).toHaveLength(1);
    t += 31_000;
    expect(await store.keyIdOf(id)).toBe('key_1');
    expect(sets).toHaveLength(2);
    expect(sets[1]!.ttlMs).toBe(720 * 60_000);
    expect(await store.keyIdOf(id)).toBe('key_1');
    expect(sets).toHaveLength(2);
  });

  it('renews a short idle time more often than it lasts', async () => {
    const { cache, sets } = recorded();
    let t = 0;
    const store = createSessionStore(cache, 60_000, () => t);
    const id = await store.create('key_1');
    t += 6_000;
    await store.keyIdOf(id);
    expect(sets).toHaveLength(2);
  });

  it('forgets an ended session, an expired one, and ids of any other shape', async () => {
    const store = createSessionStore(createMemoryCache(), 20);
    const ended = await store.create('key_1');
    await store.end(ended);
    expect(await store.keyIdOf(ended)).toBeUndefined();
    const idle = await store.create('key_1');
    await new Promise((r) => setTimeout(r, 80));
    expect(await store.keyIdOf(idle)).toBeUndefined();
    expect(await store.keyIdOf('../../x')).toBeUndefined();
    expect(await store.keyIdOf('')).toBeUndefined();
  });

  it('reads the session id from a Cookie header', () => {
    expect(sessionIdOf('a=1; calypso_session=abc_-; b=2')).toBe('abc_-');
    expect(sessionIdOf('calypso_session=xyz')).toBe('xyz');
    expect(sessionIdOf('x_calypso_session=xyz')).toBeUndefined();
    expect(sessionIdOf('calypso_session=')).toBeUndefined();
    expect(sessionIdOf(undefined)).toBeUndefined();
  });
});
