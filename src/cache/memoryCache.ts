import { LRUCache } from 'lru-cache';
import type { Cache } from './cache.ts';

export interface MemoryCacheOptions {
  /** Most entries kept; the least recently used go first. Default 100 000. */
  maxEntries?: number;
}

export function createMemoryCache(options: MemoryCacheOptions = {}): Cache {
  const lru = new LRUCache<string, string>({ max: options.maxEntries ?? 100_000, ttlAutopurge: false });
  const counters = new Map<string, number>();
  return {
    kind: 'memory',
    async get(key) {
      const counter = counters.get(key);
      return counter !== undefined ? String(counter) : (lru.get(key) ?? null);
    },
    async set(key, value, ttlMs) {
      lru.set(key, value, { ttl: ttlMs });
    },
    async setIfAbsent(key, value, ttlMs) {
      if (lru.has(key)) return false;
      lru.set(key, value, { ttl: ttlMs });
      return true;
    },
    async deleteIfEquals(key, value) {
      if (lru.get(key) !== value) return false;
      return lru.delete(key);
    },
    async del(...keys) {
      let n = 0;
      for (const k of keys) if (lru.delete(k)) n++;
      return n;
    },
    async incr(key) {
      // NOTE: counters live outside the LRU: an evicted fence going back would admit a stale writer.
      const n = (counters.get(key) ?? 0) + 1;
      counters.set(key, n);
      return n;
    },
    async ping() {},
    async close() {
      lru.clear();
    },
  };
}
