// The visits' stored path hashes (migration 0009, `visits.hit_path_hashes`): a page filter on visit
// metrics (shape 3, `EQ` and `IN`) tests them instead of the paths, so they must be the paths' hashes for
// rows inserted after the migration and for rows stored before it (the upgrade), in every part, and the
// filtered answers over an upgraded table must count exactly the visits that saw the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../src/cache/memoryCache.ts';
import { createCacheLock } from '../../src/cache/cacheLock.ts';
import { loadConfig } from '../../src/config/config.ts';
import { compileStats, type StatsFilter } from '../../src/stats/compileStats.ts';
import { STATS_QUERY_SETTINGS } from '../../src/stats/statsResolvers.ts';
import { parseStatsRange } from '../../src/stats/statsRange.ts';
import { openEventStore, type EventStore } from '../../src/store/eventStore.ts';
import { migrate, readMigrationFiles } from '../../src/store/migrate.ts';
import { tempDir } from '../support/testService.ts';

const SITE = 'ph';
const DAY = new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10);

/** One visit row per entry: its id, its distinct paths (every hit's name ''), 10:00–10:0n of DAY. */
function visits(entries: ReadonlyArray<[id: number, paths: string[]]>) {
  return entries.map(([id, paths]) => ({
    site: SITE,
    visit_id: String(id),
    version: 1,
    sign: 1,
    pid: String(id),
    visitor_hash: '0',
    start: `${DAY} 10:00:00.000`,
    end: `${DAY} 10:0${paths.length}:00.000`,
    hits: paths.length,
    pageviews: paths.length,
    events: 0,
    entry_page: paths[0],
    entry_ts: `${DAY} 10:00:00.000`,
    exit_page: paths.at(-1),
    exit_ts: `${DAY} 10:0${paths.length}:00.000`,
    host: 'ph.example',
    retention_days: 30,
    hit_paths: paths,
    hit_names: paths.map(() => ''),
    hit_pairs: 1,
  }));
}

describe('stored path hashes of visits (migration 0009)', () => {
  let store: EventStore;
  const lock = createCacheLock(createMemoryCache(), { waitMs: 10_000 });
  beforeAll(async () => {
    store = await openEventStore(loadConfig({ CALYPSO_DATA_DIR: tempDir() }));
    const code = readMigrationFiles();
    // An installation from before the hashes, with visits in two parts.
    await migrate(store, lock, () => {}, code.filter((m) => m.version < 9));
    await store.insert('visits', visits([[1, ['/a', '/b']], [2, ['/b']]]));
    await store.insert('visits', visits([[3, ['/c', '/a', '/d']], [4, ['/d']]]));
    await migrate(store, lock);
    await store.insert('visits', visits([[5, ['/a']], [6, ['/e', '/c']]]));
  });
  afterAll(() => store?.close());

  it('holds the hashes of every row\'s paths, stored before the migration or after, in every part', async () => {
    const rows = await store.query<{ same: number; n: string }>(
      'SELECT min(hit_path_hashes = arrayMap(p -> cityHash64(p), hit_paths)) AS same, count() AS n FROM visits WHERE site = {site:String}',
      { site: SITE },
    );
    expect(rows).toEqual([{ same: 1, n: '6' }]);
    const parts = await store.query<{ name: string }>(
      `SELECT name FROM system.parts WHERE database = currentDatabase() AND table = 'visits' AND active
       AND name NOT IN (SELECT name FROM system.parts_columns WHERE database = currentDatabase() AND table = 'visits' AND active AND column = 'hit_path_hashes')`,
    );
    expect(parts).toEqual([]);
  });

  const visitsOf = async (filter: StatsFilter) => {
    const range = parseStatsRange(DAY, DAY, 30);
    const q = compileStats(
      { site: SITE, timezone: 'UTC', range, k: 1, dimensions: [], interval: 'DAY', metrics: ['visits'], filters: [filter], order: [], limit: 10, offset: 0 },
      { uncertainVisits: false },
    );
    expect(q.sql).toContain('hit_path_hashes');
    const rows = await store.query<{ visits: string }>(q.sql, q.params, STATS_QUERY_SETTINGS);
    return rows.map((r) => Number(r.visits));
  };

  it('counts the visits that saw a page, over rows stored before the migration and after', async () => {
    expect(await visitsOf({ dimension: 'page', op: 'EQ', values: ['/a'] })).toEqual([3]);
    expect(await visitsOf({ dimension: 'page', op: 'EQ', values: ['/d'] })).toEqual([2]);
    expect(await visitsOf({ dimension: 'page', op: 'IN', values: ['/b', '/e'] })).toEqual([3]);
    expect(await visitsOf({ dimension: 'page', op: 'IN', values: ['/c', '/nowhere'] })).toEqual([2]);
    expect(await visitsOf({ dimension: 'page', op: 'EQ', values: ['/nowhere'] })).toEqual([]);
  });
});
