// The bench's visits (docs/visits.md): the generator writes hits only, with no visit, so this forms
// the visits afterwards by the rule the collector applies (a gap over 30 minutes between a visitor's
// consecutive hits starts a new one), for benches of the statistics read from `visits`.
//
// How: the window-function rule once over the site's events, into a copy of `events` (`CREATE TABLE …
// AS events`) with each hit's visit_id set (its visit's first hit's time in ms shifted left 20 bits,
// or-ed with 20 bits of a hash of the visitor, as the collector names them; 0 for bots); the other
// sites' events copied as they are; then `EXCHANGE TABLES` swaps the copy in atomically and the old
// table is dropped. Then one INSERT … SELECT groups the hits by visit_id into `visits`: one row per
// visit, version 1, sign +1, as if every visit had been merged already.
import type { EventStore } from '../src/store/eventStore.ts';
import { VISIT_GAP_SECONDS } from '../src/stats/compileStats.ts';
import { VISITOR_KEY_SQL } from '../src/stats/statsCatalog.ts';

const TMP = 'events_bench_visits';

/** Sets the site's events' visit_id and fills `visits` from them; the site must have no visits yet. */
export async function deriveBenchVisits(store: EventStore, site: string): Promise<void> {
  const t = performance.now();
  await store.command(`DROP TABLE IF EXISTS ${TMP}`);
  await store.command(`CREATE TABLE ${TMP} AS events`);
  await store.command(`INSERT INTO ${TMP} SELECT * FROM events WHERE site != {site:String}`, { site });
  await store.command(
    `INSERT INTO ${TMP}
    SELECT * EXCEPT (vkey, new_visit, visit, first_ts) REPLACE (
      if(is_bot != 0, 0, bitOr(bitShiftLeft(toUInt64(toUnixTimestamp64Milli(first_ts)), 20), cityHash64(vkey) % 1048576)) AS visit_id)
    FROM (
      SELECT *, min(ts) OVER (PARTITION BY is_bot, vkey, visit) AS first_ts
      FROM (
        SELECT *, sum(new_visit) OVER (PARTITION BY is_bot, vkey ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS visit
        FROM (
          SELECT *, if(dateDiff('second', lagInFrame(ts, 1, toDateTime64(0, 3, 'UTC')) OVER (PARTITION BY is_bot, vkey ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), ts) > {gap:UInt32}, 1, 0) AS new_visit
          FROM (SELECT *, ${VISITOR_KEY_SQL} AS vkey FROM events WHERE site = {site:String})
        )
      )
    )`,
    { site, gap: VISIT_GAP_SECONDS },
  );
  await store.command(`EXCHANGE TABLES ${TMP} AND events`);
  await store.command(`DROP TABLE ${TMP}`);
  await store.command(
    `INSERT INTO visits (site, visit_id, version, sign, pid, visitor_hash, start, end, hits, pageviews, events, entry_page, entry_ts, exit_page, exit_ts,
      host, referrer_source, referrer_host, utm_source, utm_medium, utm_campaign, utm_term, utm_content, browser, os, device, screen, language, country, region, retention_days)
    SELECT site, visit_id, 1, 1, any(pid), any(visitor_hash), min(ts), max(ts), count(), countIf(type = 'pageview'), countIf(type = 'event'),
      argMinIf(path, ts, type = 'pageview'), minIf(ts, type = 'pageview'), argMaxIf(path, ts, type = 'pageview'), maxIf(ts, type = 'pageview'),
      argMin(host, ts), argMin(referrer_source, ts), argMin(referrer_host, ts), argMin(utm_source, ts), argMin(utm_medium, ts), argMin(utm_campaign, ts),
      argMin(utm_term, ts), argMin(utm_content, ts), argMin(browser, ts), argMin(os, ts), argMin(device, ts), argMin(screen, ts), argMin(language, ts),
      argMin(country, ts), argMin(region, ts), max(retention_days)
    FROM events
    WHERE site = {site:String} AND visit_id != 0
    GROUP BY site, visit_id`,
    { site },
  );
  process.stderr.write(`visits derived in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
}
