// The visitors' recent visits, as the collector keeps them to place the next hit (docs/visits.md).
import { sqlToMs } from '../store/sqlTime.ts';
import { droppedVisitors } from './droppedVisitors.ts';
import { packVisits, unpackVisits } from './packedVisits.ts';
import type { VisitState } from './placeHit.ts';

/** One visitor of a site: `key` is its visitor key (visitRow.ts). */
export interface VisitorRef {
  readonly site: string;
  readonly key: string;
  /**
   * `${site}\u0000${key}`, when the caller made it already (the visit assigner does): the in-process store's
   * map key, so each look-up and write does not build and hash the text again.
   */
  readonly id?: string;
}

export interface HeldVisitors {
  readonly visits: Array<readonly VisitState[] | undefined>;
  readonly since: number;
  /** Writes these visitors' new state (none when the rows were not kept), then lets the others in. */
  release(writes?: ReadonlyArray<VisitorRef & { visits: readonly VisitState[] }>): Promise<void>;
}

export interface VisitStateStore {
  /**
   * Every visit written at or after this time (ms) is in the store; older ones may be only in ClickHouse.
   * A hit whose visit could have been written earlier is placed against ClickHouse too.
   */
  since(): number;
  get(site: string, key: string): Promise<readonly VisitState[] | undefined>;
  set(site: string, key: string, visits: readonly VisitState[]): Promise<void>;
  /**
   * Several visitors at once (one round trip to Redis), with `since()` as of that read, and (when the store
   * can tell) each visitor's own `since`: from when the store holds every visit of that visitor.
   */
  getMany(visitors: readonly VisitorRef[]): Promise<{ visits: Array<readonly VisitState[] | undefined>; since: number; sinceEach?: readonly number[] }>;
  setMany(entries: ReadonlyArray<VisitorRef & { visits: readonly VisitState[] }>): Promise<void>;
  /**
   * Excludes the other processes placing these visitors until released, and reads them (as getMany) in
   * the same round trip. Absent when one process owns the store (the assigner's own hold is enough).
   */
  hold?(visitors: readonly VisitorRef[]): Promise<HeldVisitors>;
  /**
   * Forgets a pid's visits (an erasure: subjectData.ts): every one, or, given `erasedAtMs` (the erasure's
   * repeat), those that started at or before it, keeping the visits its new hits began since.
   */
  forgetPid(site: string, pid: string, erasedAtMs?: number): Promise<void>;
  /** Loads visits read from ClickHouse at start, and says from when the store is complete. */
  load(entries: ReadonlyArray<{ site: string; key: string; visits: readonly VisitState[] }>, since: number): void | Promise<void>;
}

export interface MemoryVisitStateOptions {
  /** How long a visitor's visits are kept after they were last written. */
  keepMs: number;
  /** At most this many visitors; the least recently written go first (and `since` moves past them). */
  maxVisitors: number;
  now?: () => number;
}

export interface MemoryVisitStateStore extends VisitStateStore {
  /**
   * Forgets the pid's visits that started at or before `erasedAtMs`, keeping any it began after: an
   * erasure made by another instance, learnt from its tombstone up to a second later (startCollector.ts).
   */
  forgetErased(site: string, pid: string, erasedAtMs: number): void;
}

interface Entry {
  visits: string;
  writtenAt: number;
}

/**
 * One process's store. NOTE: only right while one collector writes the site's hits; several collectors
 * share their state through Redis (redisVisitStateStore.ts).
 */
export function memoryVisitStateStore(opts: MemoryVisitStateOptions): MemoryVisitStateStore {
  const now = opts.now ?? Date.now;
  // Insertion order is write order: a write deletes and re-adds, so the oldest write is always first.
  // Each visitor's visits packed as text (packedVisits.ts): the store's memory is bounded by its size.
  const entries = new Map<string, Entry>();
  let since = now();
  // `since` as if no visitor had been dropped for room (the load's start, or the memory span).
  let floor = since;
  // NOTE: a visitor dropped for room moved `since` to its last write, so under load (more visitors in the
  // span than the store holds) every hit was looked up in ClickHouse, new visitors included. The visitors
  // dropped for room are remembered (droppedVisitors.ts): a visitor's own `since` is never earlier than
  // what it lost (a false positive, one new visitor in 16 000 per full generation, 0.2 % with all 32 full,
  // only costs a look-up more).
  const dropped = droppedVisitors({ capacity: Math.max(65_536, Math.ceil(opts.maxVisitors / 2)), spanMs: opts.keepMs / 16 });
  const id = (site: string, key: string) => `${site}\u0000${key}`;
  let evictedAt = 0;
  // NOTE: a Map iterates over the slots its deletes left until it rehashes: a fresh iteration from the
  // oldest entry on every write cost more the longer the process ran, and at the cap (one drop per write)
  // it was 13 % of the collector's CPU under load. One cursor lives across calls instead: insertion order
  // is write order, so everything before it was deleted or rewritten (a rewrite sits after it). Expired
  // entries go once a second, extra ones at once.
  let cursor: MapIterator<[string, Entry]> | undefined;
  let head: [string, Entry] | undefined;
  const evict = (force = false) => {
    const t = now();
    if (!force && entries.size <= opts.maxVisitors && t - evictedAt < 1000) return;
    evictedAt = t;
    const oldest = t - opts.keepMs;
    // Drops older than the memory span are covered by every visitor's `since` anyway.
    if (dropped.any) dropped.expire(oldest);
    for (;;) {
      if (head === undefined) {
        cursor ??= entries.entries();
        const next = cursor.next();
        // A finished iterator stays finished: the next call starts a new one.
        if (next.done === true) {
          cursor = undefined;
          break;
        }
        head = next.value;
      }
      const [k, e] = head;
      // Deleted or rewritten since the cursor reached it (a rewrite comes again further on).
      if (entries.get(k) !== e) {
        head = undefined;
        continue;
      }
      if (e.writtenAt >= oldest && entries.size <= opts.maxVisitors) break;
      entries.delete(k);
      head = undefined;
      // What was written up to this entry may be gone from the store now.
      since = Math.max(since, e.writtenAt + 1);
      // Dropped for room (an expired entry is older than any visitor's `since` anyway).
      if (e.writtenAt >= oldest) dropped.add(k, e.writtenAt + 1);
    }
  };
  const sinceNow = () => Math.max(since, now() - opts.keepMs);
  const set = (k: string, visits: readonly VisitState[]) => {
    entries.delete(k);
    entries.set(k, { visits: packVisits(visits), writtenAt: now() });
    evict();
  };
  const unpacked = (k: string) => {
    const e = entries.get(k);
    return e === undefined ? undefined : unpackVisits(e.visits);
  };
  const read = (site: string, key: string) => unpacked(id(site, key));
  /** Forgets the pid's visits that started at or before `erasedAtMs`, keeping any it began after. */
  const forgetErased = (site: string, pid: string, erasedAtMs: number) => {
    const k = id(site, `p${pid}`);
    const e = entries.get(k);
    if (e === undefined) return;
    const kept = unpackVisits(e.visits).filter((v) => sqlToMs(v.row.start) > erasedAtMs);
    // Kept in its place (not rewritten): its write time, and so its expiry and eviction order, stay.
    if (kept.length === 0) entries.delete(k);
    else e.visits = packVisits(kept);
  };
  return {
    since: sinceNow,
    get: async (site, key) => read(site, key),
    set: async (site, key, visits) => set(id(site, key), visits),
    getMany: async (visitors) => {
      // Nobody dropped for room since the load (or every drop is older than the span): `since` is every visitor's.
      if (!dropped.any) return { visits: visitors.map((v) => unpacked(v.id ?? id(v.site, v.key))), since: sinceNow() };
      const base = Math.max(floor, now() - opts.keepMs);
      const sinceEach: number[] = [];
      const visits = visitors.map((v) => {
        const k = v.id ?? id(v.site, v.key);
        sinceEach.push(Math.max(base, dropped.droppedAt(k)));
        return unpacked(k);
      });
      return { visits, since: sinceNow(), sinceEach };
    },
    setMany: async (list) => {
      for (const e of list) set(e.id ?? id(e.site, e.key), e.visits);
    },
    forgetPid: async (site, pid, erasedAtMs) => {
      if (erasedAtMs === undefined) entries.delete(id(site, `p${pid}`));
      else forgetErased(site, pid, erasedAtMs);
    },
    forgetErased,
    load: (loaded, from) => {
      const at = now();
      for (const e of loaded) entries.set(id(e.site, e.key), { visits: packVisits(e.visits), writtenAt: at });
      // A visitor already present keeps its place in the order: the cursor starts from the first entry again.
      cursor = undefined;
      head = undefined;
      since = from;
      floor = from;
      dropped.clear();
      evict(true);
    },
  };
}
