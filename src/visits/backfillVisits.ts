// Forms the visits of events stored before visits were formed at ingest (an installation upgraded past
// migration 0006: its events have visit_id 0 and `visits` has no rows for them), exactly as the collector
// would: per visitor key, ordered by time, a gap over VISIT_GAP_SECONDS starts a visit (docs/visits.md).
// Everything is computed in ClickHouse; no event passes through Node.
//
// Input: every non-bot event with visit_id 0, wherever it comes from (the upgrade, a spool of the previous
// run replayed before this start, an interrupted backfill). Its visitors are "affected" and their visits
// are recomputed ENTIRELY, from all their non-bot events (also those already carrying a visit id): their
// visits and aliases are deleted and re-derived, and every one of their events gets the new id. Keeping
// the visits a visitor already has and placing only the 0 rows among them would need the collector's
// merging in SQL; recomputing costs a visitor's history once and is right whatever the mix.
//
// Steps, each safe to interrupt (a restart begins again from the events, the one source of truth):
//  1. detect: one non-bot event with visit_id 0 (LIMIT 1), or return at once;
//  2. clean up what a crashed run left: its events mutation (killed, so it cannot block merges or run on
//     with a join table about to be dropped), its staging tables;
//  3. `visit_backfill`: one row per visit of the affected visitors (window functions), with the keys of
//     its events (month, hash of site, visitor key and time: hits of a visitor at the same instant are in
//     the same visit, so this key names the visit of each event);
//  4. delete the affected visitors' visits and aliases, then insert the staged visits. Ids are
//     deterministic (start and visitor), so a rerun derives the same rows and deletes what it inserted;
//  5. per month: a Join table of the month's keys, `ALTER TABLE events UPDATE visit_id = joinGet(…)`.
//     A mutation, not a rebuilt partition: it rewrites the visit_id column only, and rows inserted or
//     erased meanwhile (other processes) are neither lost nor resurrected. A visitor whose events are all
//     updated is no longer affected; one half updated is recomputed whole by the next run;
//  6. drop the staging tables.
//
// Order with the spools (startCollector.ts): the previous run's spooled events are delivered first, so
// their rows are input here; then the backfill; then the visit state is warmed from `visits`, then the
// collector serves. Rows still spooled (ClickHouse down at start) are backfilled at the next start.
// NOTE: run under a lock shared by the instances (service.ts): two backfills at once would kill each
// other's mutation and drop each other's staging. The lock cannot be renewed: a backfill longer than its
// expiry (service.ts) lets an instance starting then in. A collector already serving while another instance
// backfills (a rolling upgrade) may place a returning visitor's new hit in a visit of its own next to a
// backfilled one: such visits are not merged. Upgrade all collectors together to avoid it.
import type { Logger } from '../observability/logger.ts';
import type { EventStore } from '../store/eventStore.ts';
import { VISIT_PAIRS_MAX } from './visitPairs.ts';
import { VISIT_ATTRIBUTES } from './visitRow.ts';
import { VISIT_VISITOR_KEY_SQL, VISITOR_KEY_SQL, visitNumberingSql } from './visitRule.ts';

const STAGE = 'visit_backfill';
const JOIN = 'visit_backfill_join';
const EVENT_KEY = `cityHash64(site, ${VISITOR_KEY_SQL}, ts)`;
const SYNC = { mutations_sync: '2' };
const HEARTBEAT_MS = 15_000;

export interface BackfillResult {
  readonly visits: number;
  readonly events: number;
  readonly ms: number;
}

// One state for every attribute of the first hit: an argMin per attribute costs as much again per column.
const FIRST = `argMin((${[...VISIT_ATTRIBUTES, 'retention_days', 'visitor_hash'].join(', ')}), ts) AS first`;
const FROM_FIRST = [...VISIT_ATTRIBUTES, 'retention_days', 'visitor_hash'].map((a, i) => `first.${i + 1} AS ${a}`).join(', ');

/** One row per visit of the affected visitors, as `visits` holds it, plus its events' keys. */
const STAGE_VISITS = `
WITH affected AS (
  SELECT DISTINCT site, ${VISITOR_KEY_SQL} AS vkey FROM events WHERE is_bot = 0 AND visit_id = 0
), hits AS (
  SELECT site, ts, pid, visitor_hash, type, path, name, retention_days, ${VISIT_ATTRIBUTES.join(', ')}, ${VISITOR_KEY_SQL} AS vkey
  FROM events WHERE is_bot = 0 AND (site, ${VISITOR_KEY_SQL}) IN (SELECT site, vkey FROM affected)
), ${visitNumberingSql({ source: 'hits', partitionBy: 'site, vkey', numbered: 'numbered', column: 'n' })}
SELECT site, vkey, start,
  bitOr(bitShiftLeft(toUInt64(toUnixTimestamp64Milli(start)), 20), cityHash64(site, vkey) % 1048576) AS visit_id,
  toUInt32(1) AS version, toInt8(1) AS sign, pid, end, hits, pageviews, events,
  entry_page, if(pageviews > 0, first_view, start) AS entry_ts, exit_page, if(pageviews > 0, last_view, start) AS exit_ts,
  ${FROM_FIRST},
  if(length(pairs) <= ${VISIT_PAIRS_MAX}, arrayMap(p -> p.1, pairs), []) AS hit_paths,
  if(length(pairs) <= ${VISIT_PAIRS_MAX}, arrayMap(p -> p.2, pairs), []) AS hit_names,
  toUInt8(if(length(pairs) <= ${VISIT_PAIRS_MAX}, 1, 2)) AS hit_pairs, keys
FROM (
  SELECT site, vkey, min(ts) AS start, max(ts) AS end, any(pid) AS pid, ${FIRST},
    toUInt32(count()) AS hits, toUInt32(countIf(type = 'pageview')) AS pageviews, toUInt32(countIf(type = 'event')) AS events,
    argMinIf(path, ts, type = 'pageview') AS entry_page, minIf(ts, type = 'pageview') AS first_view,
    argMaxIf(path, ts, type = 'pageview') AS exit_page, maxIf(ts, type = 'pageview') AS last_view,
    groupUniqArray(${VISIT_PAIRS_MAX + 1})((path, name)) AS pairs,
    groupArray((toYYYYMM(ts), cityHash64(site, vkey, ts))) AS keys
  FROM numbered GROUP BY site, vkey, n
)`;

const VISIT_COLUMNS = `site, visit_id, version, sign, pid, visitor_hash, start, end, hits, pageviews, events, entry_page, entry_ts, exit_page, exit_ts, ${VISIT_ATTRIBUTES.join(', ')}, retention_days, hit_paths, hit_names, hit_pairs`;

/**
 * Forms the visits of the stored events that have none (see the header). Returns at once when there is
 * nothing to do; throws if ClickHouse fails (a rerun starts over safely).
 */
export async function backfillVisits(store: EventStore, log: Logger): Promise<BackfillResult | undefined> {
  const found = await store.query<{ one: number }>('SELECT 1 AS one FROM events WHERE is_bot = 0 AND visit_id = 0 LIMIT 1');
  if (found.length === 0) return undefined;
  const t0 = Date.now();
  let t = t0;
  const step = (msg: string, fields: Record<string, unknown> = {}) => {
    const now = Date.now();
    log.info({ ...fields, stepMs: now - t, elapsedMs: now - t0 }, `visits backfill: ${msg}`);
    t = now;
  };
  /** Runs a long statement, saying every HEARTBEAT_MS that it still runs: a big table must not look hung. */
  const slow = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const timer = setInterval(() => log.info({ elapsedMs: Date.now() - t0 }, `visits backfill: still ${what}`), HEARTBEAT_MS);
    timer.unref();
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  };
  const [{ db } = { db: '' }] = await store.query<{ db: string }>('SELECT currentDatabase() AS db');
  log.info('visits backfill: events without a visit found (stored before visits were formed at ingest); forming their visits (a one-time step: a minute or more per million events)');

  // 2. What a crashed run left behind.
  await store.command(`KILL MUTATION WHERE database = currentDatabase() AND table = 'events' AND NOT is_done AND command LIKE '%${JOIN}%' SYNC`);
  await store.command(`DROP TABLE IF EXISTS ${JOIN}`);
  await store.command(`DROP TABLE IF EXISTS ${STAGE}`);

  // 3. The visits, staged.
  await slow('computing the visits', () => store.command(`CREATE TABLE ${STAGE} ENGINE = MergeTree ORDER BY (site, vkey, start) AS SELECT * FROM (${STAGE_VISITS})`));
  const [counts = { visits: '0', events: '0', visitors: '0' }] = await store.query<{ visits: string; events: string; visitors: string }>(
    `SELECT count() AS visits, sum(hits) AS events, uniqExact(site, vkey) AS visitors FROM ${STAGE}`,
  );
  step('visits computed', { visitors: Number(counts.visitors), visits: Number(counts.visits), events: Number(counts.events) });

  // 4. The affected visitors' visits replaced (their aliases first: they are found through the visits).
  const ofAffected = `(site, ${VISIT_VISITOR_KEY_SQL}) IN (SELECT site, vkey FROM ${STAGE})`;
  await store.command(
    `ALTER TABLE visit_aliases DELETE WHERE (site, alias_of) IN (SELECT site, visit_id FROM visits WHERE ${ofAffected})
       OR (site, visit_id) IN (SELECT site, visit_id FROM visits WHERE ${ofAffected})`,
    {},
    SYNC,
  );
  await store.command(`ALTER TABLE visits DELETE WHERE ${ofAffected}`, {}, SYNC);
  await slow('writing the visits', () => store.command(`INSERT INTO visits (${VISIT_COLUMNS}) SELECT ${VISIT_COLUMNS} FROM ${STAGE}`));
  step('visits written', { visits: Number(counts.visits) });

  // 5. The events' visit ids, a month at a time (the join table of one month's keys in memory).
  const months = await store.query<{ month: number; events: string }>(
    `SELECT k.1 AS month, count() AS events FROM ${STAGE} ARRAY JOIN keys AS k GROUP BY month ORDER BY month`,
  );
  for (const { month, events } of months) {
    // NOTE: a partition is named by a literal; `month` is toYYYYMM's integer, checked.
    if (!Number.isInteger(Number(month))) throw new Error(`visits backfill: unexpected month ${String(month)}`);
    await store.command(`CREATE TABLE ${JOIN} (key UInt64, visit_id UInt64) ENGINE = Join(ANY, LEFT, key)`);
    await store.command(`INSERT INTO ${JOIN} SELECT k.2, visit_id FROM ${STAGE} ARRAY JOIN keys AS k WHERE k.1 = {month:UInt32}`, { month });
    // NOTE: joinGet needs the database named (a mutation runs without a current one); the name is the
    // configured database's, as the engine reports it.
    const visitOf = `joinGet('${db}.${JOIN}', 'visit_id', ${EVENT_KEY})`;
    await slow(`updating the events of ${Number(month)}`, () =>
      store.command(`ALTER TABLE events UPDATE visit_id = ${visitOf} IN PARTITION ${Number(month)} WHERE is_bot = 0 AND ${visitOf} != 0 AND visit_id != ${visitOf}`, {}, SYNC),
    );
    await store.command(`DROP TABLE ${JOIN}`);
    step('events of a month given their visit', { month: Number(month), keys: Number(events) });
  }

  // 6.
  await store.command(`DROP TABLE ${STAGE}`);
  const ms = Date.now() - t0;
  log.info({ visits: Number(counts.visits), events: Number(counts.events), ms }, 'visits backfill: done');
  return { visits: Number(counts.visits), events: Number(counts.events), ms };
}
