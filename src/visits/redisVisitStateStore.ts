// The visit state store in Redis, shared by every collector (docs/visits.md). Keys, all under the cache's
// prefix, one site's under one hash tag so a request's script and reads stay in one Cluster slot:
//   vis:{site}:s:<visitor key>  the visitor's visits (JSON of VisitState[]), expiring keepMs after its last write
//   vis:{site}:l:<visitor key>  the per-visitor lock of the collector placing its hits (token, short expiry)
//   vis:~since                  from when (ms) the store holds every visit written; no expiry
// A request's read is one pipeline (its sites' lock scripts, the marker, one MGET): one connection to a
// single Redis, as the cache uses; a Cluster client would have to split it by slot.
// Without the marker (Redis new, restarted empty, or written to while unreachable) the store vouches for
// nothing before now: the assigner asks ClickHouse for every hit's neighbouring visits, and one collector
// (a cache lock) loads the recent visits from ClickHouse and writes the marker.
//
// NOTE: eviction. The store cannot tell a visitor's key Redis evicted from one that never existed (the
// memory store moves `since` past what it evicts; Redis does not say). So the deployment must not let
// Redis evict these keys: `maxmemory-policy noeviction` (writes fail when full, the hits are kept and
// the store falls back as when unreachable), or a `volatile-*` policy with enough memory that keys with
// an expiry (these, the statistics cache) never need evicting. An evicted visitor's next hit opens a new
// visit instead of continuing its last one: that visit is counted twice, no hit is lost. The collector
// warns at start when the policy allows eviction (`evictionRisk`).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCacheLock } from '../cache/cacheLock.ts';
import type { ChainableCommander } from 'ioredis';
import type { RedisCache } from '../cache/redisCache.ts';
import { sqlToMs } from '../store/sqlTime.ts';
import type { VisitState } from './placeHit.ts';
import type { VisitorRef, VisitStateStore } from './visitStateStore.ts';

// All or nothing: a request's visitors are taken together or not at all, so two collectors never hold
// part of each other's set and wait (no deadlock); the loser retries.
const LOCK_ALL = `
for i = 1, #KEYS do if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end end
for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2]) end
return 1`;
const RELEASE_ALL = `
local n = 0
for i = 1, #KEYS do if redis.call('GET', KEYS[i]) == ARGV[1] then n = n + redis.call('DEL', KEYS[i]) end end
return n`;

type Scripted = RedisCache['redis'] & {
  calypsoVisitLock(...args: string[]): Promise<number>;
  calypsoVisitRelease(...args: string[]): Promise<number>;
};

export const SINCE_KEY = 'vis:~since';
const stateKey = (site: string, key: string) => `vis:{${site}}:s:${key}`;
const lockKey = (site: string, key: string) => `vis:{${site}}:l:${key}`;

export interface RedisVisitStateOptions {
  /** How long a visitor's visits are kept after they were last written. */
  keepMs: number;
  /**
   * How long a collector may hold a visitor (placing, appending to the spool, writing back). NOTE: a
   * request slower than this lets another collector in, and the two may write conflicting versions.
   */
  lockTtlMs?: number;
  /** How long to wait for another collector's hold on a visitor before the request fails. */
  lockWaitMs?: number;
  /** Loads the recent visits from ClickHouse into the store (warmVisitState); run under a cache lock. */
  warm?: () => Promise<void>;
  /** Told when Redis failed a read or a write (the hits were placed against ClickHouse meanwhile). */
  onError?: (err: unknown) => void;
  now?: () => number;
}

export interface RedisVisitStateStore extends VisitStateStore {
  /** Runs `warm` under the cache lock unless the marker is there; false when another collector holds it. */
  ensureWarm(): Promise<boolean>;
  /** Why Redis may evict visit state (its `maxmemory-policy`), or undefined when it will not or cannot say. */
  evictionRisk(): Promise<string | undefined>;
}

export function redisVisitStateStore(cache: RedisCache, opts: RedisVisitStateOptions): RedisVisitStateStore {
  const redis = cache.redis as Scripted;
  redis.defineCommand('calypsoVisitLock', { lua: LOCK_ALL });
  redis.defineCommand('calypsoVisitRelease', { lua: RELEASE_ALL });
  const now = opts.now ?? Date.now;
  const lockTtlMs = opts.lockTtlMs ?? 10_000;
  const lockWaitMs = opts.lockWaitMs ?? 15_000;
  const warmLock = createCacheLock(cache, { ttlMs: 300_000, waitMs: 0 });
  let since = now();
  // A write failed: what Redis holds may lack visits placed since, so the marker must go once it answers.
  let lost = false;
  let warming: Promise<boolean> | undefined;
  let lastWarm = 0;

  const live = async () => {
    await cache.ready;
    if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
  };
  const failed = (err: unknown) => {
    lost = true;
    opts.onError?.(err);
  };
  /** Called per script: one site's keys share a slot. */
  const bySite = (visitors: readonly VisitorRef[]) => {
    const sites = new Map<string, string[]>();
    for (const v of visitors) sites.set(v.site, [...(sites.get(v.site) ?? []), v.key]);
    return [...sites].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([site, keys]) => ({ site, keys: [...keys].sort() }));
  };
  const lockArgs = (g: { site: string; keys: string[] }) => [String(g.keys.length), ...g.keys.map((k) => lockKey(g.site, k))];
  const releaseLocks = async (taken: ReadonlyArray<{ site: string; keys: string[] }>, token: string) => {
    await Promise.all(taken.map((t) => redis.calypsoVisitRelease(...lockArgs(t), token)));
  };
  const setAll = (p: ChainableCommander, entries: ReadonlyArray<VisitorRef & { visits: readonly VisitState[] }>) => {
    for (const e of entries) p.set(stateKey(e.site, e.key), JSON.stringify(e.visits), 'PX', opts.keepMs);
  };
  const write = async (entries: ReadonlyArray<VisitorRef & { visits: readonly VisitState[] }>) => {
    if (entries.length === 0) return;
    const p = redis.pipeline();
    setAll(p, entries);
    for (const [err] of (await p.exec()) ?? []) if (err) throw err;
  };
  /** One round trip: these locks (when given), the marker and the visitors' states. */
  const read = async (visitors: readonly VisitorRef[], locks: ReadonlyArray<{ site: string; keys: string[] }> = [], token = '') => {
    const p = redis.pipeline() as ChainableCommander & { calypsoVisitLock(...args: string[]): unknown };
    for (const g of locks) p.calypsoVisitLock(...lockArgs(g), token, String(lockTtlMs));
    const wasLost = lost;
    if (wasLost) p.del(SINCE_KEY);
    p.get(SINCE_KEY);
    if (visitors.length > 0) p.mget(...visitors.map((v) => stateKey(v.site, v.key)));
    const out = (await p.exec()) ?? [];
    for (const [err] of out) if (err) throw err;
    const taken = locks.filter((_, i) => out[i]?.[1] === 1);
    out.splice(0, locks.length);
    if (wasLost) {
      out.shift();
      lost = false;
    }
    const marker = out[0]?.[1] as string | null;
    const values = (out[1]?.[1] ?? []) as Array<string | null>;
    return { taken, marker: marker === null ? undefined : Number(marker), visits: visitors.map((_, i) => (values[i] == null ? undefined : (JSON.parse(values[i]) as VisitState[]))) };
  };
  const noteSince = (marker: number | undefined) => {
    const at = now();
    since = marker === undefined ? at : Math.max(marker, at - opts.keepMs);
    if (marker === undefined && opts.warm !== undefined && warming === undefined && at - lastWarm > 10_000) {
      lastWarm = at;
      warming = store.ensureWarm().catch((err: unknown) => (opts.onError?.(err), false)).finally(() => (warming = undefined));
    }
    return since;
  };

  const store: RedisVisitStateStore = {
    since: () => since,
    async get(site, key) {
      return (await store.getMany([{ site, key }])).visits[0];
    },
    async set(site, key, visits) {
      await store.setMany([{ site, key, visits }]);
    },
    async getMany(visitors) {
      try {
        await live();
        const r = await read(visitors);
        return { visits: r.visits, since: noteSince(r.marker) };
      } catch (err) {
        failed(err);
        // Nothing known: every hit is placed against ClickHouse.
        since = now();
        return { visits: visitors.map(() => undefined), since };
      }
    },
    async setMany(entries) {
      try {
        await live();
        await write(entries);
      } catch (err) {
        failed(err);
      }
    },
    async hold(visitors) {
      const token = randomUUID();
      const groups = bySite(visitors);
      const deadline = now() + lockWaitMs;
      let pause = 1;
      for (;;) {
        let r: Awaited<ReturnType<typeof read>>;
        try {
          await live();
          r = await read(visitors, groups, token);
        } catch (err) {
          // Unreachable: nothing held or known; every hit is placed against ClickHouse, and the marker
          // goes once Redis answers again (the visits placed meanwhile are not in it).
          failed(err);
          since = now();
          return { visits: visitors.map(() => undefined), since, release: async () => {} };
        }
        if (r.taken.length === groups.length) {
          const taken = r.taken;
          return {
            visits: r.visits,
            since: noteSince(r.marker),
            async release(writes) {
              // The state, then the locks, in one round trip: Redis runs a connection's commands in order.
              const p = redis.pipeline() as ChainableCommander & { calypsoVisitRelease(...args: string[]): unknown };
              setAll(p, writes ?? []);
              for (const t of taken) p.calypsoVisitRelease(...lockArgs(t), token);
              try {
                const out = (await p.exec()) ?? [];
                const err = out.slice(0, writes?.length ?? 0).find(([e]) => e)?.[0];
                if (err) failed(err);
              } catch (err) {
                failed(err);
              }
            },
          };
        }
        // Some sites' visitors were held by another collector: give back the rest, wait a little, again.
        if (r.taken.length > 0) await releaseLocks(r.taken, token);
        if (now() > deadline) throw new Error(`visits: another collector held these visitors for over ${lockWaitMs} ms`);
        await sleep(pause + Math.random() * pause);
        pause = Math.min(pause * 2, 20);
      }
    },
    async forgetPid(site, pid, erasedAtMs) {
      await live();
      const key = `p${pid}`;
      // NOTE: under the visitor's lock, so a collector placing one of the pid's hits cannot write the
      // erased visits back after this (it holds the lock from its read to its write).
      const held = await store.hold!([{ site, key }]);
      let writes: Array<VisitorRef & { visits: VisitState[] }> = [];
      try {
        const kept = erasedAtMs === undefined ? [] : (held.visits[0] ?? []).filter((v) => sqlToMs(v.row.start) > erasedAtMs);
        if (kept.length === 0) await redis.del(stateKey(site, key));
        else writes = [{ site, key, visits: kept }];
      } finally {
        await held.release(writes);
      }
    },
    async load(entries, from) {
      await live();
      // Collectors may have written some of these visitors since Redis lost them: theirs is the newer
      // version of a visit; a loaded visit is added only when absent (as the assigner merges ClickHouse's).
      for (let i = 0; i < entries.length; i += 200) {
        const chunk = entries.slice(i, i + 200);
        const held = await store.hold!(chunk);
        await held.release(
          chunk.map((e, j) => {
            const known = held.visits[j] ?? [];
            const added = e.visits.filter((v) => !known.some((k) => k.row.visit_id === v.row.visit_id || k.absorbed.includes(v.row.visit_id)));
            return { ...e, visits: [...known, ...added] };
          }),
        );
      }
      // A write that failed must not be vouched for.
      if (lost) throw new Error('visits: Redis failed a write while loading the visit state');
      await redis.set(SINCE_KEY, String(from));
      since = Math.max(from, now() - opts.keepMs);
    },
    async ensureWarm() {
      if (opts.warm === undefined) return false;
      const warm = opts.warm;
      try {
        return await warmLock.withLock('visit-state-warm', async () => {
          if ((await redis.get(SINCE_KEY)) === null) await warm();
          return true;
        });
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('timed out')) return false;
        throw err;
      }
    },
    async evictionRisk() {
      try {
        // Not queued while Redis is unreachable: the start does not wait for it.
        await live();
        const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
        const [, max] = (await redis.config('GET', 'maxmemory')) as [string, string];
        if (policy === 'noeviction' || max === '0') return undefined;
        return `maxmemory ${max} with maxmemory-policy ${policy}`;
      } catch {
        return undefined;
      }
    },
  };
  return store;
}
