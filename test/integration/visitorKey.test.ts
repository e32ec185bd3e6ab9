// The stored visitor key (migration 0008, `events.visitor_key`): the hits' statistics count it instead of
// computing the visitor from pid, ts and visitor_hash, so it must hold exactly that, for rows inserted
// after the migration and for rows stored before it (the upgrade), and queries over an upgraded table
// must run (a part without the column could not be read by a query with `ts` in its PREWHERE).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../src/cache/memoryCache.ts';
import { createCacheLock } from '../../src/cache/cacheLock.ts';
import { loadConfig } from '../../src/config/config.ts';
import { compileStats } from '../../src/stats/compileStats.ts';
import { STATS_QUERY_SETTINGS } from '../../src/stats/statsResolvers.ts';
import { parseStatsRange } from '../../src/stats/statsRange.ts';
import { openEventStore, type EventStore } from '../../src/store/eventStore.ts';
import { migrate, readMigrationFiles } from '../../src/store/migrate.ts';
import { VISITOR_KEY_SQL } from '../../src/visits/visitRule.ts';
import { tempDir } from '../support/testService.ts';

const SITE = 'vk';
const DAY = new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10);
const NEXT = new Date(Date.now() - 4 * 86_400_000).toISOString().slice(0, 10);

/** Hits of 3 cookie visitors and 2 cookieless ones (one of them on two days: two visitors), on two pages. */
function hits(prefix: string) {
  const at = (day: string, hh: string) => `${day} ${hh}:00:00.000`;
  const hit = (n: number, ts: string, pid: number, hash: number, path: string) => ({
    site: SITE,
    ts,
    event_id: `${prefix}-${n}`,
    pid,
    key_version: 1,
    visitor_hash: hash,
    type: 'pageview',
    path,
    is_bot: 0,
    consent: 1,
    retention_days: 30,
  });
  return [
    hit(1, at(DAY, '10'), 11, 0, '/a'),
    hit(2, at(DAY, '11'), 11, 0, '/b'),
    hit(3, at(DAY, '10'), 12, 0, '/a'),
    hit(4, at(NEXT, '10'), 13, 0, '/a'),
    hit(5, at(DAY, '23'), 0, 901, '/a'),
    hit(6, at(NEXT, '01'), 0, 901, '/a'),
    hit(7, at(NEXT, '02'), 0, 902, '/b'),
  ];
}

describe('stored visitor key (migration 0008)', () => {
  let store: EventStore;
  const lock = createCacheLock(createMemoryCache(), { waitMs: 10_000 });
  beforeAll(async () => {
    store = await openEventStore(loadConfig({ CALYPSO_DATA_DIR: tempDir() }));
    const code = readMigrationFiles();
    // An installation from before the stored key, with hits in two parts.
    await migrate(store, lock, () => {}, code.filter((m) => m.version < 8));
    await store.insert('events', hits('old').slice(0, 4));
    await store.insert('events', hits('old').slice(4));
    await migrate(store, lock);
    await store.insert('events', hits('new'));
  });
  afterAll(() => store?.close());

  it('holds the visitor of every hit, stored before the migration or after, in every part', async () => {
    const rows = await store.query<{ same: string; n: string }>(`SELECT min(visitor_key = ${VISITOR_KEY_SQL}) AS same, count() AS n FROM events WHERE site = {site:String}`, { site: SITE });
    expect(rows).toEqual([{ same: 1, n: '14' }]);
    const parts = await store.query<{ name: string }>(
      `SELECT name FROM system.parts WHERE database = currentDatabase() AND table = 'events' AND active
       AND name NOT IN (SELECT name FROM system.parts_columns WHERE database = currentDatabase() AND table = 'events' AND active AND column = 'visitor_key')`,
    );
    expect(parts).toEqual([]);
  });

  it('answers the visitors of a hits breakdown over the upgraded rows', async () => {
    const q = compileStats({
      site: SITE,
      timezone: 'UTC',
      range: parseStatsRange(DAY, NEXT, 30),
      k: 1,
      dimensions: ['page'],
      interval: 'DAY',
      metrics: ['visitors', 'pageviews'],
      filters: [],
      order: [],
      limit: 10,
      offset: 0,
    });
    const rows = await store.query<Record<string, unknown>>(q.sql, q.params, STATS_QUERY_SETTINGS);
    const byPage = Object.fromEntries(rows.map((r) => [String(r.d0), [Number(r.visitors), Number(r.pageviews)]]));
    // /a: pids 11, 12, 13 and hash 901 on two days (two visitors); /b: pid 11 and hash 902. Each hit twice.
    expect(byPage).toEqual({ '/a': [5, 10], '/b': [2, 4], null: [6, 14] });
  });
});
