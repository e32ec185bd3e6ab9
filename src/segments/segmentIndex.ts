// The look-up index of materialised segments: per site, each segment's live version and that version's
// member pids. Redis in production (redisSegmentIndex.ts), process memory in the embedded default.
import type { Cache } from '../cache/cache.ts';
import { consentCacheKey, consentDefaultCacheKey } from '../consent/consentMirror.ts';

export interface IndexLookup {
  /** The pid's current consent flags from the consent mirror (or its default note); undefined when neither has it. */
  readonly consent: number | undefined;
  /** Segments whose live version holds the pid. */
  readonly segments: string[];
}

export interface SegmentIndex {
  /** Adds pids to a version's members; invisible to look-ups until the version is activated. */
  add(site: string, segment: string, version: string, pids: readonly string[]): Promise<void>;
  /**
   * Makes `version` the live one in one atomic step, unless a newer fencing token has been issued
   * (then FencedError: a stalled refresher's late write). Returns the version it replaced, '0' if none.
   */
  activate(site: string, segment: string, version: string, fence: number): Promise<string>;
  /** Takes a segment out of look-ups (deleted). */
  deactivate(site: string, segment: string): Promise<void>;
  /** Frees a version's members (not live, or never activated). */
  drop(site: string, segment: string, version: string): Promise<void>;
  liveVersions(site: string): Promise<Map<string, string>>;
  /** Removes a pid from every version of the site's segments (erasure): look-ups stop finding it at once. */
  forget(site: string, pid: string): Promise<void>;
  /**
   * One round trip: the pid's consent mirror and its live segments, read atomically. Throws
   * IndexIncompleteError when the site's index is not known whole (see markWhole), so the caller answers
   * from ClickHouse instead of from an index that may have lost live versions.
   */
  lookup(site: string, pid: string): Promise<IndexLookup>;
  /**
   * Atomically, unless a newer fencing token has been issued: takes out of the site's index the segments
   * `expected` (segment → live version, as ClickHouse has them) does not name; then, if every expected
   * version is live with its members intact, marks the site whole. Returns the segments that are not
   * (missing, another version, or members lost); the site stays unmarked until they are reloaded.
   */
  markWhole(site: string, expected: ReadonlyMap<string, string>, fence: number): Promise<string[]>;
  /** True while the site is marked whole and none of its live versions has lost its members. */
  isWhole(site: string): Promise<boolean>;
}

export class FencedError extends Error {
  override name = 'FencedError';
}

/** The site's index is not known whole (Redis restarted empty, flushed or evicted, or never built). */
export class IndexIncompleteError extends Error {
  override name = 'IndexIncompleteError';
}

/** The counter refreshers take a fencing token from (segmentRefreshLock.ts). */
export const FENCE_KEY = 'fence:segments';

/**
 * The embedded default: one process, so the index lives beside the cache that mirrors consent. It loses
 * nothing while the process lives, but starts empty: a site is answered from ClickHouse until the first
 * repair has loaded and marked it whole.
 */
export function createMemorySegmentIndex(cache: Cache): SegmentIndex {
  const live = new Map<string, Map<string, string>>();
  const members = new Map<string, Set<string>>();
  const whole = new Set<string>();
  const setKey = (site: string, segment: string, version: string) => `${site}\0${segment}\0${version}`;
  const liveOf = (site: string) => {
    let m = live.get(site);
    if (m === undefined) live.set(site, (m = new Map()));
    return m;
  };
  return {
    async add(site, segment, version, pids) {
      const key = setKey(site, segment, version);
      let set = members.get(key);
      if (set === undefined) members.set(key, (set = new Set()));
      for (const p of pids) set.add(p);
    },
    async activate(site, segment, version, fence) {
      if (Number((await cache.get(FENCE_KEY)) ?? 0) > fence) throw new FencedError(`fencing token ${fence} is stale`);
      const m = liveOf(site);
      const previous = m.get(segment) ?? '0';
      if (!members.has(setKey(site, segment, version))) members.set(setKey(site, segment, version), new Set());
      m.set(segment, version);
      return previous;
    },
    async deactivate(site, segment) {
      const version = live.get(site)?.get(segment);
      live.get(site)?.delete(segment);
      if (version !== undefined) members.delete(setKey(site, segment, version));
    },
    async drop(site, segment, version) {
      if (live.get(site)?.get(segment) !== version) members.delete(setKey(site, segment, version));
    },
    async liveVersions(site) {
      return new Map(live.get(site) ?? []);
    },
    async forget(site, pid) {
      for (const [key, set] of members) if (key.startsWith(`${site}\0`)) set.delete(pid);
    },
    async markWhole(site, expected, fence) {
      if (Number((await cache.get(FENCE_KEY)) ?? 0) > fence) throw new FencedError(`fencing token ${fence} is stale`);
      const m = liveOf(site);
      for (const [segment, version] of m) {
        if (!expected.has(segment)) {
          m.delete(segment);
          members.delete(setKey(site, segment, version));
        }
      }
      const missing = [...expected].filter(([segment, version]) => m.get(segment) !== version || !members.has(setKey(site, segment, version))).map(([segment]) => segment);
      if (missing.length === 0) whole.add(site);
      return missing;
    },
    async isWhole(site) {
      return whole.has(site);
    },
    async lookup(site, pid) {
      if (!whole.has(site)) throw new IndexIncompleteError(`the segment index of site ${site} is not built yet`);
      const flags = (await cache.get(consentCacheKey(site, pid))) ?? (await cache.get(consentDefaultCacheKey(site, pid)));
      const segments: string[] = [];
      for (const [segment, version] of live.get(site) ?? []) if (members.get(setKey(site, segment, version))?.has(pid)) segments.push(segment);
      return { consent: flags === null ? undefined : Number(flags), segments };
    },
  };
}
