// One small cache interface: Redis when REDIS_URL is set, an in-process LRU otherwise.

export interface Cache {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets only when absent; true when this call set it. The building block for salts and locks. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Deletes the key only if it still holds `value` (a lock's owner token). */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  del(...keys: string[]): Promise<number>;
  /** Adds one to a counter (created at 0) and returns the new value: fencing tokens. */
  incr(key: string): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
