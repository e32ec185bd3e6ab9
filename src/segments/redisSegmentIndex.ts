// The segment index in Redis: `seg:{site}:live` maps segment → live version, `seg:{site}:m:<segment>:<version>`
// holds that version's pids, and `seg:{site}:sets` names every member set that exists (live or being
// built), so an erasure finds them without scanning the keyspace. A look-up is one script: consent
// mirror + live map + membership, atomically, so it never sees half a segment. The index keys of one
// site share a hash tag; the consent keys the script also reads do not yet, so on a Redis Cluster the
// look-up would need them tagged too.
import type { RedisCache } from '../cache/redisCache.ts';
import { consentCacheKey, consentDefaultCacheKey } from '../consent/consentMirror.ts';
import { createWriteCoalescer } from '../cache/writeCoalescer.ts';
import { FENCE_KEY, FencedError, type IndexLookup, type SegmentIndex } from './segmentIndex.ts';

export const LOOKUP_SCRIPT = `
local out = { redis.call('GET', KEYS[2]) or redis.call('GET', KEYS[3]) or '' }
local live = redis.call('HGETALL', KEYS[1])
for i = 1, #live, 2 do
  if redis.call('SISMEMBER', ARGV[2] .. live[i] .. ':' .. live[i + 1], ARGV[1]) == 1 then out[#out + 1] = live[i] end
end
return out`;

// NOTE: the fence check and the switch are one script, so no newer refresher can slip in between.
const ACTIVATE = `
if tonumber(redis.call('GET', KEYS[2]) or '0') > tonumber(ARGV[3]) then return redis.error_reply('FENCED stale fencing token') end
local previous = redis.call('HGET', KEYS[1], ARGV[1]) or '0'
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return previous`;

type Scripted = RedisCache['redis'] & {
  calypsoSegmentLookup(live: string, consent: string, consentDefault: string, pid: string, setPrefix: string): Promise<string[]>;
  calypsoSegmentActivate(live: string, fence: string, segment: string, version: string, token: string): Promise<string>;
};

/** Members are added in chunks so one command never carries a million arguments. */
const CHUNK = 10_000;

export function createRedisSegmentIndex(cache: RedisCache): SegmentIndex {
  const redis = cache.redis as Scripted;
  redis.defineCommand('calypsoSegmentLookup', { numberOfKeys: 3, lua: LOOKUP_SCRIPT });
  redis.defineCommand('calypsoSegmentActivate', { numberOfKeys: 2, lua: ACTIVATE });
  const liveKey = (site: string) => `seg:{${site}}:live`;
  const memberKey = (site: string, segment: string, version: string) => `seg:{${site}}:m:${segment}:${version}`;
  // Keys built inside the script are not prefixed by ioredis; the script gets the full prefix.
  const setPrefix = (site: string) => `${cache.keyPrefix}seg:{${site}}:m:`;
  const coalesced = createWriteCoalescer(redis);
  const setsKey = (site: string) => `seg:{${site}}:sets`;
  const unlinkSet = async (site: string, key: string) => {
    await redis.unlink(key);
    await redis.srem(setsKey(site), key);
  };

  return {
    async add(site, segment, version, pids) {
      await cache.ready;
      const key = memberKey(site, segment, version);
      // Named before it is filled, so an erasure meanwhile finds it.
      await redis.sadd(setsKey(site), key);
      for (let i = 0; i < pids.length; i += CHUNK) await redis.sadd(key, ...pids.slice(i, i + CHUNK));
    },
    async activate(site, segment, version, fence) {
      await cache.ready;
      try {
        return await redis.calypsoSegmentActivate(liveKey(site), FENCE_KEY, segment, version, String(fence));
      } catch (err) {
        if (err instanceof Error && err.message.includes('FENCED')) throw new FencedError(`fencing token ${fence} is stale`);
        throw err;
      }
    },
    async deactivate(site, segment) {
      await cache.ready;
      const version = await redis.hget(liveKey(site), segment);
      await redis.hdel(liveKey(site), segment);
      if (version !== null) await unlinkSet(site, memberKey(site, segment, version));
    },
    async drop(site, segment, version) {
      await cache.ready;
      if ((await redis.hget(liveKey(site), segment)) !== version) await unlinkSet(site, memberKey(site, segment, version));
    },
    async forget(site, pid) {
      await cache.ready;
      // Live versions and any being built: a refresh racing the erasure reads members after the delete.
      // The live map also covers sets made before the registry existed.
      const [named, live] = await Promise.all([redis.smembers(setsKey(site)), redis.hgetall(liveKey(site))]);
      const keys = new Set([...named, ...Object.entries(live).map(([segment, version]) => memberKey(site, segment, version))]);
      await Promise.all([...keys].map((k) => redis.srem(k, pid)));
    },
    async liveVersions(site) {
      await cache.ready;
      return new Map(Object.entries(await redis.hgetall(liveKey(site))));
    },
    async lookup(site, pid): Promise<IndexLookup> {
      // Fail at once while disconnected, so the caller falls back to ClickHouse instead of queueing.
      if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
      const [consent, ...segments] = await coalesced(() => redis.calypsoSegmentLookup(liveKey(site), consentCacheKey(site, pid), consentDefaultCacheKey(site, pid), pid, setPrefix(site)));
      return { consent: consent === '' || consent === undefined ? undefined : Number(consent), segments };
    },
  };
}
