import type { Config } from '../config/config.ts';
import type { Cache } from './cache.ts';
import { createMemoryCache } from './memoryCache.ts';
import { createRedisCache } from './redisCache.ts';

export function openCache(config: Config): Cache {
  return config.redisUrl === undefined ? createMemoryCache() : createRedisCache(config.redisUrl, { keyPrefix: config.redisKeyPrefix });
}
