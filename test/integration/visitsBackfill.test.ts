// An installation upgraded from before visits were formed at ingest: its events carry visit_id 0 and
// `visits` is empty. The start backfills them; the visits must be exactly those window functions give
// (the reference of visitsGenerated.test.ts), each event must name a live visit, and a restart after that
// must change nothing. Hits straddle a month boundary (two partitions of `events`) and midnight UTC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/cli/mulberry32.ts';
import { BROWSER_UA, importNdjson, siteWithKey, startTestService, type TestService } from '../support/testService.ts';
import { FORMED_PAIRS_SQL, formedVisitsSql, referenceMatchingVisitsSql, referenceVisitsSql, type VisitFact } from '../support/visitReference.ts';

const SITE = 'old';
const BOT_UA = 'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)';
const REFERRERS = [undefined, 'https://yandex.ru/search/?text=x', 'https://vk.com/feed'];

/** The latest month start at least two days ago: the traffic's 20 hours straddle it. */
function boundary(): number {
  const now = new Date(Date.now() - 2 * 86_400_000);
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
}

/** 24 cookies, 4 cookieless visitors and a bot, from 10 hours before the boundary. */
function traffic(seed: number) {
  const rnd = mulberry32(seed);
  const from = boundary() - 10 * 3_600_000;
  const hits: Array<Record<string, unknown>> = [];
  for (let v = 0; v < 29; v++) {
    let t = from + Math.floor(rnd() * 8 * 3_600_000);
    const n = 3 + Math.floor(rnd() * 20);
    for (let i = 0; i < n && t < from + 20 * 3_600_000; i++) {
      const event = rnd() < 0.15;
      const referrer = REFERRERS[Math.floor(rnd() * 3)];
      hits.push({
        site: SITE,
        url: `https://${SITE}.example/p${Math.floor(rnd() * 5)}`,
        ts: t,
        eid: `h${v}-${i}`,
        ...(v < 24 || v === 28 ? { cid: `c${v}` } : {}),
        ip: `198.51.100.${v}`,
        ua: v === 28 ? BOT_UA : BROWSER_UA,
        ...(event ? { type: 'event', name: 'click' } : {}),
        ...(referrer === undefined ? {} : { referrer }),
      });
      const r = rnd();
      t += r < 0.6 ? Math.floor(rnd() * 600_000) : r < 0.8 ? 1_799_000 + Math.floor(rnd() * 2_000) : r < 0.9 ? 1_800_000 : 3_600_000 + Math.floor(rnd() * 7_200_000);
    }
  }
  return hits;
}

const FACTS: VisitFact[] = ['start', 'end', 'hits', 'pageviews', 'events', 'entry_page', 'entry_ts', 'exit_page', 'exit_ts', 'referrer_source', 'browser', 'retention_days'];
const REFERENCE = referenceVisitsSql(FACTS);

type Svc = TestService;

async function formed(svc: Svc) {
  return svc.store.query<Record<string, unknown>>(
    formedVisitsSql(FACTS),
    { site: SITE },
  );
}

/** Each visit's hits, found through the events' visit ids; every id must name a live visit. */
async function hitsByVisit(svc: Svc) {
  const rows = await svc.store.query<{ event_id: string; visit_id: string }>('SELECT event_id, toString(visit_id) AS visit_id FROM events WHERE site = {site:String} AND is_bot = 0', { site: SITE });
  const live = new Set((await svc.store.query<{ id: string }>('SELECT toString(visit_id) AS id FROM visits FINAL WHERE site = {site:String}', { site: SITE })).map((r) => r.id));
  const by = new Map<string, string[]>();
  for (const r of rows) by.set(r.visit_id, [...(by.get(r.visit_id) ?? []), r.event_id]);
  return { allLive: [...by.keys()].every((id) => live.has(id)), groups: [...by.values()].map((ids) => ids.sort().join(',')).sort() };
}

const STATS = '{ totals { visitors visits pageviews viewsPerVisit bounceRate visitDuration } }';

describe('visits backfill of an installation upgraded from before visits', () => {
  let svc: Svc;
  let key: string;
  let statsBefore: unknown;
  const hits = traffic(20261201);
  const from = new Date(boundary() - 86_400_000).toISOString().slice(0, 10);
  const to = new Date(boundary() + 86_400_000).toISOString().slice(0, 10);
  const stats = async () => (await svc.gql(key, 'STATISTICS', `query { stats(site: "${SITE}", from: "${from}", to: "${to}") ${STATS} }`)).data;

  beforeAll(async () => {
    svc = await startTestService();
    key = await siteWithKey(svc, SITE, ['STATISTICS'], ', kAnonymity: 2');
    expect(await importNdjson(svc, hits)).toEqual({ accepted: hits.length, rejected: [] });
    await svc.flush();
    statsBefore = await stats();
    // The old installation: no visit on any event, no visits.
    await svc.store.command('ALTER TABLE events UPDATE visit_id = 0 WHERE 1', {}, { mutations_sync: '2' });
    await svc.store.command('TRUNCATE TABLE visits');
    await svc.store.command('TRUNCATE TABLE visit_aliases');
    await svc.stop();
    svc = await startTestService({ dataDir: svc.dataDir });
  }, 120_000);
  afterAll(() => svc?.stop());

  it('spans two months of events, with a bot', async () => {
    const parts = await svc.store.query<{ p: number; bots: string }>('SELECT toYYYYMM(ts) AS p, countIf(is_bot = 1) AS bots FROM events WHERE site = {site:String} GROUP BY p', { site: SITE });
    expect(parts.length).toBe(2);
    expect(parts.some((p) => Number(p.bots) > 0)).toBe(true);
  });

  it('forms exactly the visits window functions give, and each event names its live visit', async () => {
    const reference = await svc.store.query<Record<string, unknown> & { hit_ids: string[] }>(REFERENCE, { site: SITE });
    expect(reference.length).toBeGreaterThan(40);
    expect(await formed(svc)).toEqual(reference.map(({ hit_ids: _, ...facts }) => facts));
    const [{ n } = { n: '0' }] = await svc.store.query<{ n: string }>('SELECT sum(sign) AS n FROM visits WHERE site = {site:String}', { site: SITE });
    expect(Number(n)).toBe(reference.length);
    const by = await hitsByVisit(svc);
    expect(by.allLive).toBe(true);
    expect(by.groups).toEqual(reference.map((r) => r.hit_ids.join(',')).sort());
    const [{ bots } = { bots: '1' }] = await svc.store.query<{ bots: string }>('SELECT countIf(visit_id != 0) AS bots FROM events WHERE is_bot = 1');
    expect(Number(bots)).toBe(0);
    const [{ left } = { left: '1' }] = await svc.store.query<{ left: string }>("SELECT count() AS left FROM system.tables WHERE database = currentDatabase() AND name LIKE 'visit_backfill%'");
    expect(Number(left)).toBe(0);
  });

  it('gives each visit its hits\' distinct (path, event name) pairs, as the collector does', async () => {
    const reference = await svc.store.query<{ pairs: string[] }>(referenceMatchingVisitsSql('1'), { site: SITE, from: 0, to: 0 });
    const got = await svc.store.query<{ hit_pairs: number; pairs: string[] }>(
      FORMED_PAIRS_SQL,
      { site: SITE },
    );
    expect(got.map((g) => g.hit_pairs)).toEqual(reference.map(() => 1));
    expect(got.map((g) => g.pairs)).toEqual(reference.map((r) => r.pairs));
  });

  it('answers the statistics as before the upgrade', async () => {
    expect(await stats()).toEqual(statsBefore);
  });

  it('recomputes a visitor whose events are only partly without a visit (late rows), and a restart after that changes nothing', async () => {
    const visits = await svc.store.query<Record<string, unknown>>('SELECT * FROM visits FINAL ORDER BY visit_id');
    const before = await hitsByVisit(svc);
    // Half of one cookie's hits lost their visit (replayed late), the rest keep theirs.
    await svc.store.command("ALTER TABLE events UPDATE visit_id = 0 WHERE site = {site:String} AND event_id LIKE 'h3-%' AND cityHash64(event_id) % 2 = 0", { site: SITE }, { mutations_sync: '2' });
    for (let i = 0; i < 2; i++) {
      await svc.stop();
      svc = await startTestService({ dataDir: svc.dataDir });
      expect(await svc.store.query('SELECT * FROM visits FINAL ORDER BY visit_id')).toEqual(visits);
      expect(await hitsByVisit(svc)).toEqual(before);
    }
  }, 60_000);

  it('ends right after a crash in the middle: visits written, events not yet updated, staging left behind', async () => {
    const visits = await svc.store.query<Record<string, unknown>>('SELECT * FROM visits FINAL ORDER BY visit_id');
    const before = await hitsByVisit(svc);
    await svc.store.command("ALTER TABLE events UPDATE visit_id = 0 WHERE site = {site:String} AND toYYYYMM(ts) = toYYYYMM({b:DateTime64(3, 'UTC')})", { site: SITE, b: new Date(boundary()).toISOString().replace('T', ' ').slice(0, 19) }, { mutations_sync: '2' });
    await svc.store.command('CREATE TABLE visit_backfill (junk UInt8) ENGINE = MergeTree ORDER BY junk');
    await svc.store.command('INSERT INTO visit_backfill VALUES (1)');
    await svc.store.command('CREATE TABLE visit_backfill_join (key UInt64, visit_id UInt64) ENGINE = Join(ANY, LEFT, key)');
    await svc.stop();
    svc = await startTestService({ dataDir: svc.dataDir });
    expect(await svc.store.query('SELECT * FROM visits FINAL ORDER BY visit_id')).toEqual(visits);
    const [{ n } = { n: '0' }] = await svc.store.query<{ n: string }>('SELECT sum(sign) AS n FROM visits');
    expect(Number(n)).toBe(visits.length);
    expect(await hitsByVisit(svc)).toEqual(before);
  }, 60_000);
});
