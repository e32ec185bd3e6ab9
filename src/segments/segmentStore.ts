// Segment definitions (versioned: every change is a new row) and their materialised state, in ClickHouse.
import { randomBytes } from 'node:crypto';
import type { EventStore } from '../store/eventStore.ts';
import { isoOf, nowSql } from '../store/sqlTime.ts';
import type { SegmentRule } from './segmentRule.ts';

export interface SegmentDefinition {
  readonly id: string;
  readonly site: string;
  readonly name: string;
  readonly rule: SegmentRule;
  /** Definition version: 1 when defined, +1 on every update. */
  readonly version: number;
  readonly refreshEveryMinutes: number;
  readonly changedAt: string;
}

export interface SegmentState {
  readonly id: string;
  readonly site: string;
  /** The materialised version look-ups read; 0 before the first refresh. */
  readonly liveVersion: string;
  readonly size: number;
  readonly definitionVersion: number;
  readonly refreshedAt: string | null;
  /** The last refresh's error; empty when it succeeded. */
  readonly error: string;
  readonly updatedAt: string;
}

export interface SegmentStore {
  define(input: { site: string; name: string; rule: SegmentRule; refreshEveryMinutes: number }): Promise<SegmentDefinition>;
  /** The next version of a live definition; undefined when there is none. */
  update(id: string, change: Partial<Pick<SegmentDefinition, 'name' | 'rule' | 'refreshEveryMinutes'>>): Promise<SegmentDefinition | undefined>;
  /** True when a live definition was deleted. */
  remove(id: string): Promise<boolean>;
  get(id: string): Promise<SegmentDefinition | undefined>;
  /** Live definitions of one site, or of all sites. */
  list(site?: string): Promise<SegmentDefinition[]>;
  /** Every definition version of a segment, oldest first (deleted ones included). */
  history(id: string): Promise<Array<SegmentDefinition & { deleted: boolean }>>;
  states(site?: string): Promise<Map<string, SegmentState>>;
  writeState(state: Omit<SegmentState, 'updatedAt'>, fence: number): Promise<void>;
}

interface DefinitionRow {
  id: string;
  site: string;
  name: string;
  rule: string;
  version: number;
  refresh_every_minutes: number;
  deleted: number;
  changed_at: string;
}

interface StateRow {
  id: string;
  site: string;
  live_version: string;
  size: string;
  definition_version: number;
  refreshed_at: string;
  error: string;
  updated_at: string;
}

const LATEST = `SELECT id, site, name, rule, version, refresh_every_minutes, deleted, changed_at FROM segments
  ORDER BY id, version DESC LIMIT 1 BY id`;

/**
 * (id, live_version) of the site's segments that are live and not deleted (param: site). Deleting a
 * segment leaves its state row and members (they expire); this is what keeps it out of look-ups that
 * read ClickHouse.
 */
export const LIVE_VERSIONS_SQL = `SELECT id, live_version FROM segment_state FINAL WHERE site = {site:String} AND live_version != 0
  AND id NOT IN (SELECT id FROM (${LATEST}) WHERE site = {site:String} AND deleted = 1)`;

export function createSegmentStore(store: EventStore): SegmentStore {
  const toDefinition = (r: DefinitionRow): SegmentDefinition => ({
    id: r.id,
    site: r.site,
    name: r.name,
    rule: JSON.parse(r.rule) as SegmentRule,
    version: Number(r.version),
    refreshEveryMinutes: Number(r.refresh_every_minutes),
    changedAt: isoOf(r.changed_at),
  });
  const latest = async (filter: string, params: Record<string, unknown>) =>
    (await store.query<DefinitionRow>(`SELECT * FROM (${LATEST}) WHERE deleted = 0 AND ${filter} ORDER BY site, name, id`, params)).map(toDefinition);
  const write = async (d: SegmentDefinition, deleted = false) => {
    const row: DefinitionRow = { id: d.id, site: d.site, name: d.name, rule: JSON.stringify(d.rule), version: d.version, refresh_every_minutes: d.refreshEveryMinutes, deleted: deleted ? 1 : 0, changed_at: nowSql() };
    // The (id, version) token makes a retried write of the same version a no-op.
    await store.insert('segments', [row], `segment:${d.id}:${d.version}`);
    return toDefinition(row);
  };

  const self: SegmentStore = {
    async define(input) {
      return write({ id: `seg_${randomBytes(8).toString('hex')}`, ...input, version: 1, changedAt: '' });
    },
    async update(id, change) {
      const current = await self.get(id);
      if (current === undefined) return undefined;
      // NOTE: two concurrent updates of one segment may both pick version n+1; the dedup token keeps
      // the first. Definitions change by hand, rarely, so this is accepted rather than locked.
      return write({ ...current, ...change, version: current.version + 1 });
    },
    async remove(id) {
      const current = await self.get(id);
      if (current === undefined) return false;
      await write({ ...current, version: current.version + 1 }, true);
      return true;
    },
    async get(id) {
      return (await latest('id = {id:String}', { id }))[0];
    },
    async list(site) {
      return site === undefined ? latest('1', {}) : latest('site = {site:String}', { site });
    },
    async history(id) {
      const rows = await store.query<DefinitionRow>('SELECT * FROM segments WHERE id = {id:String} ORDER BY version', { id });
      return rows.map((r) => ({ ...toDefinition(r), deleted: Number(r.deleted) === 1 }));
    },
    async states(site) {
      const rows = await store.query<StateRow>(
        `SELECT id, site, live_version, size, definition_version, refreshed_at, error, updated_at FROM segment_state FINAL ${site === undefined ? '' : 'WHERE site = {site:String}'}`,
        site === undefined ? {} : { site },
      );
      return new Map(
        rows.map((r) => [
          r.id,
          {
            id: r.id,
            site: r.site,
            liveVersion: String(r.live_version),
            size: Number(r.size),
            definitionVersion: Number(r.definition_version),
            refreshedAt: r.live_version === '0' ? null : isoOf(r.refreshed_at),
            error: r.error,
            updatedAt: isoOf(r.updated_at),
          },
        ]),
      );
    },
    async writeState(s, fence) {
      await store.insert('segment_state', [
        {
          id: s.id,
          site: s.site,
          live_version: s.liveVersion,
          size: s.size,
          definition_version: s.definitionVersion,
          refreshed_at: s.refreshedAt === null ? nowSql(new Date(0)) : nowSql(new Date(s.refreshedAt)),
          status: s.error === '' ? 'live' : 'failed',
          error: s.error,
          fence,
          updated_at: nowSql(),
        },
      ]);
    },
  };
  return self;
}
