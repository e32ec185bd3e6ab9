// A lock with expiry on the cache: exclusive across instances with Redis, within the process otherwise.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MigrationLock } from '../store/migrate.ts';
import type { Cache } from './cache.ts';

export interface CacheLockOptions {
  /** How long a holder may keep the lock before it expires. Default 120 000 ms. */
  ttlMs?: number;
  /** How long to wait for it before giving up. Default 180 000 ms. */
  waitMs?: number;
}

export function createCacheLock(cache: Cache, options: CacheLockOptions = {}): MigrationLock {
  const ttlMs = options.ttlMs ?? 120_000;
  const waitMs = options.waitMs ?? 180_000;
  return {
    async withLock(name, fn) {
      const key = `lock:${name}`;
      const token = randomUUID();
      const deadline = Date.now() + waitMs;
      while (!(await cache.setIfAbsent(key, token, ttlMs))) {
        if (Date.now() > deadline) throw new Error(`timed out after ${waitMs} ms waiting for the ${name} lock`);
        await sleep(100);
      }
      try {
        return await fn();
      } finally {
        await cache.deleteIfEquals(key, token);
      }
    },
  };
}
