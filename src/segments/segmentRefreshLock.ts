// One refresher at a time across every instance: a lock with expiry on the cache (Redis in production),
// and a fencing token per holding, so a holder that stalled past its expiry cannot switch a version late.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cache } from '../cache/cache.ts';
import { FENCE_KEY } from './segmentIndex.ts';

export interface RefreshLockOptions {
  /** How long a holder keeps the lock before it expires. Default 120 000 ms (a refresh takes seconds). */
  ttlMs?: number;
}

export interface RefreshLock {
  /** Runs `fn` holding the lock; undefined (fn not run) when another holder keeps it past `waitMs`. */
  run<T>(fn: (fence: number) => Promise<T>, waitMs: number): Promise<{ value: T } | undefined>;
}

const LOCK_KEY = 'lock:segments';

export function createRefreshLock(cache: Cache, options: RefreshLockOptions = {}): RefreshLock {
  const ttlMs = options.ttlMs ?? 120_000;
  return {
    async run(fn, waitMs) {
      const token = randomUUID();
      const deadline = Date.now() + waitMs;
      while (!(await cache.setIfAbsent(LOCK_KEY, token, ttlMs))) {
        if (Date.now() >= deadline) return undefined;
        await sleep(50);
      }
      try {
        // Taken after the lock: every later holder gets a larger token, and the index refuses smaller ones.
        const fence = await cache.incr(FENCE_KEY);
        return { value: await fn(fence) };
      } finally {
        await cache.deleteIfEquals(LOCK_KEY, token).catch(() => {});
      }
    },
  };
}
