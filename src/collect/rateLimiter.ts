// A token bucket per client IP, in a bounded LRU so a flood of addresses cannot grow memory.
// NOTE: the keys are raw client addresses; they live only in this process's memory, for as long as a
// bucket is recent, and are never written or logged.
import { LRUCache } from 'lru-cache';

export interface RateLimiterOptions {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size. Default 2 × perSecond. */
  burst?: number;
  /** Addresses tracked at once. Default 100 000. */
  maxKeys?: number;
}

export interface RateLimiter {
  /** Takes `cost` tokens; returns 0 when allowed, else seconds until it would be. */
  take(key: string, cost?: number, now?: number): number;
}

export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const burst = opts.burst ?? opts.perSecond * 2;
  const buckets = new LRUCache<string, { tokens: number; at: number }>({ max: opts.maxKeys ?? 100_000 });
  return {
    take(key, cost = 1, now = Date.now()) {
      const b = buckets.get(key) ?? { tokens: burst, at: now };
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * opts.perSecond);
      b.at = now;
      if (b.tokens >= cost) {
        b.tokens -= cost;
        buckets.set(key, b);
        return 0;
      }
      buckets.set(key, b);
      return Math.ceil((cost - b.tokens) / opts.perSecond);
    },
  };
}
