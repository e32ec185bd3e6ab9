// The segment index in Redis: `seg:{site}:live` maps segment → live version, `seg:{site}:m:<segment>:<version>`
// holds that version's pids, and `seg:{site}:sets` names every member set that exists (live or being
// built), so an erasure finds them without scanning the keyspace. A look-up is one script: consent
// mirror + live map + membership, atomically, so it never sees half a segment. The index keys of one
// site share a hash tag; the consent keys the script also reads do not yet, so on a Redis Cluster the
// look-up would need them tagged too.
//
// Redis may lose all of it (a restart without persistence, FLUSHDB) or some keys (eviction). So that a
// loss is never answered as "no segments", the index carries its own proof of being whole, read in the
// same script: a `~whole` field in the live map, set only by markWhole once every live version ClickHouse
// names is there (gone with the map), and a sentinel member '' in every member set (pids are numbers),
// whose absence means the set was lost. Without either the look-up fails with INCOMPLETE.
import type { RedisCache } from '../cache/redisCache.ts';
import { consentCacheKey, consentDefaultCacheKey } from '../consent/consentMirror.ts';
import { createWriteCoalescer } from '../cache/writeCoalescer.ts';
import { FENCE_KEY, FencedError, IndexIncompleteError, type IndexLookup, type SegmentIndex } from './segmentIndex.ts';

/** The live map's field that marks the site whole; segment ids are `seg_<hex>`, so it cannot clash. */
const WHOLE_FIELD = '~whole';
/** In every member set, so a set that exists is told apart from one Redis lost. */
const SENTINEL = '';

export const LOOKUP_SCRIPT = `
local out = { redis.call('GET', KEYS[2]) or redis.call('GET', KEYS[3]) or '' }
local live = redis.call('HGETALL', KEYS[1])
local whole = false
for i = 1, #live, 2 do
  if live[i] == '${WHOLE_FIELD}' then whole = true
  else
    local m = redis.call('SMISMEMBER', ARGV[2] .. live[i] .. ':' .. live[i + 1], ARGV[1], '${SENTINEL}')
    if m[2] == 0 then return redis.error_reply('INCOMPLETE members lost') end
    if m[1] == 1 then out[#out + 1] = live[i] end
  end
end
if not whole then return redis.error_reply('INCOMPLETE not marked whole') end
return out`;

// NOTE: the fence check and the switch are one script, so no newer refresher can slip in between.
const ACTIVATE = `
if tonumber(redis.call('GET', KEYS[2]) or '0') > tonumber(ARGV[3]) then return redis.error_reply('FENCED stale fencing token') end
local previous = redis.call('HGET', KEYS[1], ARGV[1]) or '0'
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return previous`;

// ARGV: fence, set prefix, registry key (prefixed), then segment, version pairs. Segments not expected
// leave (their sets too); the site is marked whole only when every expected version is live and intact.
const MARK_WHOLE = `
if tonumber(redis.call('GET', KEYS[2]) or '0') > tonumber(ARGV[1]) then return redis.error_reply('FENCED stale fencing token') end
local expected = {}
for i = 4, #ARGV, 2 do expected[ARGV[i]] = ARGV[i + 1] end
local live = redis.call('HGETALL', KEYS[1])
for i = 1, #live, 2 do
  if live[i] ~= '${WHOLE_FIELD}' and expected[live[i]] == nil then
    local set = ARGV[2] .. live[i] .. ':' .. live[i + 1]
    redis.call('HDEL', KEYS[1], live[i])
    redis.call('UNLINK', set)
    redis.call('SREM', ARGV[3], set)
  end
end
local missing = {}
for i = 4, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) ~= ARGV[i + 1] or redis.call('SISMEMBER', ARGV[2] .. ARGV[i] .. ':' .. ARGV[i + 1], '${SENTINEL}') == 0 then missing[#missing + 1] = ARGV[i] end
end
if #missing == 0 then redis.call('HSET', KEYS[1], '${WHOLE_FIELD}', ARGV[1]) end
return missing`;

const IS_WHOLE = `
local live = redis.call('HGETALL', KEYS[1])
local whole = 0
for i = 1, #live, 2 do
  if live[i] == '${WHOLE_FIELD}' then whole = 1
  elseif redis.call('SISMEMBER', ARGV[1] .. live[i] .. ':' .. live[i + 1], '${SENTINEL}') == 0 then return 0 end
end
return whole`;

type Scripted = RedisCache['redis'] & {
  calypsoSegmentLookup(live: string, consent: string, consentDefault: string, pid: string, setPrefix: string): Promise<string[]>;
  calypsoSegmentActivate(live: string, fence: string, segment: string, version: string, token: string): Promise<string>;
  calypsoSegmentMarkWhole(live: string, fence: string, token: string, setPrefix: string, registry: string, ...pairs: string[]): Promise<string[]>;
  calypsoSegmentIsWhole(live: string, setPrefix: string): Promise<number>;
};

/** Members are added in chunks so one command never carries a million arguments. */
const CHUNK = 10_000;

const fenced = (err: unknown, fence: number) => (err instanceof Error && err.message.includes('FENCED') ? new FencedError(`fencing token ${fence} is stale`) : err);

export function createRedisSegmentIndex(cache: RedisCache): SegmentIndex {
  const redis = cache.redis as Scripted;
  redis.defineCommand('calypsoSegmentLookup', { numberOfKeys: 3, lua: LOOKUP_SCRIPT });
  redis.defineCommand('calypsoSegmentActivate', { numberOfKeys: 2, lua: ACTIVATE });
  redis.defineCommand('calypsoSegmentMarkWhole', { numberOfKeys: 2, lua: MARK_WHOLE });
  redis.defineCommand('calypsoSegmentIsWhole', { numberOfKeys: 1, lua: IS_WHOLE });
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
  const liveVersions = async (site: string) => {
    const all = await redis.hgetall(liveKey(site));
    delete all[WHOLE_FIELD];
    return all;
  };

  return {
    async add(site, segment, version, pids) {
      await cache.ready;
      const key = memberKey(site, segment, version);
      // Named before it is filled, so an erasure meanwhile finds it; the sentinel first, so even an
      // empty version has a set whose loss shows.
      await redis.sadd(setsKey(site), key);
      await redis.sadd(key, SENTINEL);
      for (let i = 0; i < pids.length; i += CHUNK) await redis.sadd(key, ...pids.slice(i, i + CHUNK));
    },
    async activate(site, segment, version, fence) {
      await cache.ready;
      try {
        return await redis.calypsoSegmentActivate(liveKey(site), FENCE_KEY, segment, version, String(fence));
      } catch (err) {
        throw fenced(err, fence);
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
      const [named, live] = await Promise.all([redis.smembers(setsKey(site)), liveVersions(site)]);
      const keys = new Set([...named, ...Object.entries(live).map(([segment, version]) => memberKey(site, segment, version))]);
      await Promise.all([...keys].map((k) => redis.srem(k, pid)));
    },
    async liveVersions(site) {
      await cache.ready;
      return new Map(Object.entries(await liveVersions(site)));
    },
    async markWhole(site, expected, fence) {
      await cache.ready;
      try {
        return await redis.calypsoSegmentMarkWhole(liveKey(site), FENCE_KEY, String(fence), setPrefix(site), `${cache.keyPrefix}${setsKey(site)}`, ...[...expected].flat());
      } catch (err) {
        throw fenced(err, fence);
      }
    },
    async isWhole(site) {
      await cache.ready;
      return (await redis.calypsoSegmentIsWhole(liveKey(site), setPrefix(site))) === 1;
    },
    async lookup(site, pid): Promise<IndexLookup> {
      // Fail at once while disconnected, so the caller falls back to ClickHouse instead of queueing.
      if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
      let reply: string[];
      try {
        reply = await coalesced(() => redis.calypsoSegmentLookup(liveKey(site), consentCacheKey(site, pid), consentDefaultCacheKey(site, pid), pid, setPrefix(site)));
      } catch (err) {
        if (err instanceof Error && err.message.includes('INCOMPLETE')) throw new IndexIncompleteError(`the segment index of site ${site} is incomplete: ${err.message}`);
        throw err;
      }
      const [consent, ...segments] = reply;
      return { consent: consent === '' || consent === undefined ? undefined : Number(consent), segments };
    },
  };
}
