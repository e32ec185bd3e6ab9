// Materialises segments: members computed in ClickHouse (only pids whose current consent allows
// advertising), written to segment_members under a new version, indexed, then switched to in one step.
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import type { EventStore } from '../store/eventStore.ts';
import { compileSegmentRule } from './compileSegmentRule.ts';
import { CONSENT_BITS } from '../consent/consentFlags.ts';
import { CONSENTED_PIDS_SQL } from '../consent/consentReader.ts';
import { FencedError, type SegmentIndex } from './segmentIndex.ts';
import type { RefreshLock } from './segmentRefreshLock.ts';
import { LIVE_VERSIONS_SQL, type SegmentDefinition, type SegmentState, type SegmentStore } from './segmentStore.ts';
import { ApiError, ErrorCode } from '../errors/apiError.ts';

export interface MaterialiserDeps {
  store: EventStore;
  segments: SegmentStore;
  index: SegmentIndex;
  sites: SiteStore;
  lock: RefreshLock;
  log: Logger;
  metrics: Metrics;
}

export interface Materialiser {
  /** Refreshes one segment now, waiting up to `waitMs` for the lock; resolves once the new version is live. */
  refresh(id: string, waitMs?: number): Promise<SegmentState>;
  /** One scheduler pass: refresh what is due and repair the index; undefined when another worker holds the lock. */
  tick(now?: Date): Promise<{ refreshed: number; repaired: number } | undefined>;
  /**
   * Makes the site's index whole again if it is not (reloading lost live versions from ClickHouse), under
   * the lock, waiting up to `waitMs` for it; resolves to the number of segments reloaded.
   */
  repair(site: string, waitMs?: number): Promise<number>;
}

// Errors of the catalogue, so a refresh asked for over GraphQL answers NOT_FOUND or SERVICE_UNAVAILABLE as they are.
export class SegmentNotFoundError extends ApiError {
  override name = 'SegmentNotFoundError';
  constructor(message: string) {
    super(ErrorCode.NOT_FOUND, message);
  }
}
export class RefreshBusyError extends ApiError {
  override name = 'RefreshBusyError';
  constructor(message: string) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message, { retryAfter: 5 });
  }
}

const FAILED_RETRY_MS = 60_000;

export function createMaterialiser(deps: MaterialiserDeps): Materialiser {
  const { store, segments, index, sites, lock, log, metrics } = deps;

  const membersOf = (site: string, id: string, version: string) =>
    store.queryColumn('SELECT pid FROM segment_members WHERE site = {site:String} AND segment_id = {id:String} AND version = {version:UInt64}', { site, id, version });

  /**
   * Under the lock: brings the site's index to what ClickHouse says is live (the versions the degraded
   * look-ups read) and marks it whole. The live versions are read again after every reload, so a segment
   * deleted meanwhile is not marked back in: its deletion is in ClickHouse before it leaves the index.
   */
  const repairSite = async (site: string, fence: number): Promise<number> => {
    let reloaded = 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      const rows = await store.query<{ id: string; live_version: string }>(LIVE_VERSIONS_SQL, { site });
      const expected = new Map(rows.map((r) => [r.id, String(r.live_version)]));
      const missing = await index.markWhole(site, expected, fence);
      if (missing.length === 0) {
        if (reloaded > 0) log.info({ site, reloaded }, 'segment index repaired from ClickHouse');
        return reloaded;
      }
      for (const id of missing) {
        const version = expected.get(id)!;
        await index.add(site, id, version, await membersOf(site, id, version));
        const replaced = await index.activate(site, id, version, fence);
        if (replaced !== '0' && replaced !== version) await index.drop(site, id, replaced);
        reloaded++;
      }
    }
    throw new Error(`the segment index of site ${site} changed under its repair three times; retrying later`);
  };
  /** repairSite for a pass or a refresh, which go on whatever it meets: a failure is logged, 0 reloaded. */
  const repairOrWarn = (site: string, fence: number): Promise<number> =>
    repairSite(site, fence).catch((err: unknown) => (log.warn({ site, err: err instanceof Error ? err.message : String(err) }, 'segment index repair failed'), 0));

  /** Builds and switches to a new version. Runs under the lock with its fencing token. */
  const materialise = async (def: SegmentDefinition, previous: SegmentState | undefined, fence: number): Promise<SegmentState> => {
    const started = performance.now();
    const site = await sites.get(def.site);
    if (site === undefined) throw new SegmentNotFoundError(`site "${def.site}" of segment ${def.id} is gone`);
    const now = new Date();
    // Versions are milliseconds, kept increasing even if two refreshes share a millisecond or clocks step back.
    const version = String(BigInt(Math.max(now.getTime(), Number(previous?.liveVersion ?? 0) + 1)));
    const compiled = compileSegmentRule(def.rule, site.id, now);
    const params = { ...compiled.params, seg_id: def.id, seg_version: version };
    try {
      await store.command(
        `INSERT INTO segment_members (site, segment_id, version, pid, created_at)
         SELECT {site:String}, {seg_id:String}, {seg_version:UInt64}, pid, now() FROM (${compiled.sql})
         WHERE pid IN (${CONSENTED_PIDS_SQL})`,
        { ...params, consent_bits: CONSENT_BITS.advertising },
      );
      const pids = await membersOf(site.id, def.id, version);
      await index.add(site.id, def.id, version, pids);
      const replaced = await index.activate(site.id, def.id, version, fence);
      const state = { id: def.id, site: site.id, liveVersion: version, size: pids.length, definitionVersion: def.version, refreshedAt: now.toISOString(), error: '' };
      await segments.writeState(state, fence);
      // The old version is unreachable now; free it (the table TTL catches what a crash leaves).
      if (replaced !== '0') await index.drop(site.id, def.id, replaced);
      await store.command('DELETE FROM segment_members WHERE site = {site:String} AND segment_id = {id:String} AND version < {version:UInt64}', { site: site.id, id: def.id, version });
      // A site refreshed for the first time (or whose index was lost) is answered from the index at once.
      if (!(await index.isWhole(site.id))) await repairOrWarn(site.id, fence);
      metrics.segmentRefreshes.inc({ outcome: 'ok' });
      metrics.segmentRefreshSeconds.observe((performance.now() - started) / 1000);
      log.info({ segment: def.id, site: site.id, version, size: pids.length, ms: Math.round(performance.now() - started) }, 'segment refreshed');
      return { ...state, updatedAt: new Date().toISOString() };
    } catch (err) {
      if (err instanceof FencedError) {
        // Another holder took over while this one stalled: its versions stand; leave no trace but the metric.
        metrics.segmentRefreshes.inc({ outcome: 'fenced' });
        await index.drop(site.id, def.id, version).catch(() => {});
        log.warn({ segment: def.id, fence }, 'segment refresh fenced off: a newer refresher holds the lock');
        throw err;
      }
      metrics.segmentRefreshes.inc({ outcome: 'failed' });
      // The previous version stays live; the half-built one is removed.
      await index.drop(site.id, def.id, version).catch(() => {});
      await store.command('DELETE FROM segment_members WHERE site = {site:String} AND segment_id = {id:String} AND version = {version:UInt64}', { site: site.id, id: def.id, version }).catch(() => {});
      const message = err instanceof Error ? err.message : String(err);
      log.warn({ segment: def.id, err: message }, 'segment refresh failed; the previous version stays live');
      const failed = {
        id: def.id,
        site: site.id,
        liveVersion: previous?.liveVersion ?? '0',
        size: previous?.size ?? 0,
        definitionVersion: previous?.definitionVersion ?? 0,
        refreshedAt: previous?.refreshedAt ?? null,
        error: message.slice(0, 500),
      };
      await segments.writeState(failed, fence).catch(() => {});
      throw err;
    }
  };

  return {
    async refresh(id, waitMs = 30_000) {
      const held = await lock.run(async (fence) => {
        const def = await segments.get(id);
        if (def === undefined) throw new SegmentNotFoundError(`segment ${id} does not exist`);
        return materialise(def, (await segments.states(def.site)).get(id), fence);
      }, waitMs);
      if (held === undefined) throw new RefreshBusyError(`another refresh held the lock for more than ${waitMs} ms; retry`);
      return held.value;
    },

    async tick(now = new Date()) {
      // The lock is taken per segment, so no holding outlasts one refresh (its expiry stays meaningful);
      // each segment's state is re-read under the lock, so a segment another worker just refreshed is skipped.
      const defs = await segments.list();
      let refreshed = 0;
      let repaired = 0;
      let ran = false;
      for (const def of defs) {
        const held = await lock.run(async (fence) => {
          const state = (await segments.states(def.site)).get(def.id);
          const age = state === undefined || state.refreshedAt === null ? Infinity : now.getTime() - Date.parse(state.refreshedAt);
          const failedRecently = state !== undefined && state.error !== '' && now.getTime() - Date.parse(state.updatedAt) < FAILED_RETRY_MS;
          const due = state === undefined || state.definitionVersion !== def.version || age >= def.refreshEveryMinutes * 60_000;
          if (due && !failedRecently) await materialise(def, state, fence).then(() => refreshed++, () => {});
        }, 0);
        // Another worker is busy: it is the one making this pass now.
        if (held === undefined) return ran ? { refreshed, repaired } : undefined;
        ran = true;
      }
      // Segments deleted since they were indexed leave the look-ups.
      const live = new Set(defs.map((d) => d.id));
      for (const s of (await segments.states()).values()) {
        if (!live.has(s.id) && (await index.liveVersions(s.site)).has(s.id)) await index.deactivate(s.site, s.id);
      }
      // Sites whose index is not whole (Redis lost it, a fresh process, a new site): reloaded from ClickHouse.
      for (const site of await sites.list()) {
        if (await index.isWhole(site.id)) continue;
        const held = await lock.run(async (fence) => ((await index.isWhole(site.id)) ? 0 : repairOrWarn(site.id, fence)), 0);
        if (held === undefined) break;
        repaired += held.value;
      }
      return { refreshed, repaired };
    },

    async repair(site, waitMs = 30_000) {
      if (await index.isWhole(site)) return 0;
      // Another instance may have repaired it while this one waited for the lock.
      const held = await lock.run(async (fence) => ((await index.isWhole(site)) ? 0 : repairSite(site, fence)), waitMs);
      if (held === undefined) throw new RefreshBusyError(`the segment lock was held for more than ${waitMs} ms; the index repair waits for the next pass`);
      return held.value;
    },
  };
}
