// Visits formed at ingest against the query-time computation: seeded random traffic, sent shuffled, in
// batches of random size, several requests at once, through /v1/import and /collect, must give exactly the
// visits that window functions over the stored hits give (kept here as the reference, docs/visits.md).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/cli/mulberry32.ts';
import { redisUrlOrSkip } from '../support/redis.ts';
import { siteWithKey, startTestService, type TestService } from '../support/testService.ts';
import { formedVisitsSql, referenceVisitsSql, type VisitFact } from '../support/visitReference.ts';

const SITE = 'gen';
const UAS = ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'];
const REFERRERS = [undefined, 'https://yandex.ru/search/?text=x', 'https://vk.com/feed'];

interface Hit {
  site: string;
  url: string;
  ts: number;
  eid: string;
  cid?: string;
  ip: string;
  ua: string;
  type?: 'event';
  name?: string;
  referrer?: string;
}

/** Hits of 30 cookies and 4 cookieless visitors over the last 20 hours, each at its own millisecond. */
function traffic(seed: number): Hit[] {
  const rnd = mulberry32(seed);
  const now = Date.now();
  const hits: Hit[] = [];
  const used = new Set<number>();
  for (let v = 0; v < 34; v++) {
    const cookie = v < 30 ? `c${v}` : undefined;
    let t = now - 20 * 3_600_000 + Math.floor(rnd() * 3_600_000);
    const n = 3 + Math.floor(rnd() * 25);
    for (let i = 0; i < n && t < now - 60_000; i++) {
      while (used.has(t)) t++;
      used.add(t);
      const event = rnd() < 0.15;
      hits.push({
        site: SITE,
        url: `https://${SITE}.example/p${Math.floor(rnd() * 5)}`,
        ts: t,
        eid: `h${v}-${i}`,
        ...(cookie === undefined ? {} : { cid: cookie }),
        ip: `198.51.100.${v}`,
        ua: UAS[v % 2]!,
        ...(event ? { type: 'event' as const, name: 'click' } : {}),
        ...(REFERRERS[Math.floor(rnd() * 3)] === undefined ? {} : { referrer: REFERRERS[Math.floor(rnd() * 3)] }),
      });
      // Mostly minutes apart; sometimes about the 30-minute gap (both sides of it), sometimes hours.
      const r = rnd();
      t += r < 0.6 ? Math.floor(rnd() * 600_000) : r < 0.8 ? 1_799_000 + Math.floor(rnd() * 2_000) : r < 0.9 ? 1_800_000 : 3_600_000 + Math.floor(rnd() * 7_200_000);
    }
  }
  return hits;
}

function shuffle<T>(xs: T[], rnd: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

const FACTS: VisitFact[] = ['start', 'end', 'hits', 'pageviews', 'events', 'entry_page', 'exit_page', 'referrer_source', 'browser'];
const REFERENCE = referenceVisitsSql(FACTS);

const redis = redisUrlOrSkip();
// The collector's visit state in its own memory, and in Redis (shared by collectors, held per visitor).
const MODES = [
  { state: 'in-process', env: {} as Record<string, string> | undefined },
  { state: `in Redis ${redis.reason}`, env: redis.url === undefined ? undefined : { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `test:visgen:${process.pid}:` } },
];

describe.each(MODES)('visits formed at ingest (state $state)', ({ env }) => {
  let svc: TestService;
  const hits = traffic(20261130);
  if (env === undefined) return void it.skip('needs Redis', () => {});

  beforeAll(async () => {
    svc = await startTestService({ env });
    await siteWithKey(svc, SITE, ['STATISTICS'], ', kAnonymity: 2');
    const rnd = mulberry32(7);
    const order = shuffle([...hits], rnd);
    const batches: Hit[][] = [];
    for (let i = 0; i < order.length; ) {
      const n = 1 + Math.floor(rnd() * 40);
      batches.push(order.slice(i, i + n));
      i += n;
    }
    // Three requests at a time; every third batch through /collect (one hit per request), the rest imported.
    const send = async (batch: Hit[], i: number) => {
      if (i % 3 === 2) {
        for (const h of batch) {
          const { ip, ua, ...body } = h;
          const r = await svc.collect(body, { 'user-agent': ua, 'x-forwarded-for': ip });
          expect(r.status).toBe(202);
        }
        return;
      }
      const res = await fetch(`${svc.url}/v1/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION' },
        body: batch.map((e) => JSON.stringify(e)).join('\n'),
      });
      expect(await res.json()).toEqual({ accepted: batch.length, rejected: [] });
    };
    for (let i = 0; i < batches.length; i += 3) await Promise.all(batches.slice(i, i + 3).map((b, j) => send(b, i + j)));
    await svc.flush();
  }, 120_000);
  afterAll(() => svc?.stop());

  // Only the Redis mode has a Redis to look in (registered there only: not a skip in the other mode).
  if (env.REDIS_URL !== undefined) it('keeps the visitors\' state in Redis, marked complete', async () => {
    const client = new Redis(env!.REDIS_URL!);
    try {
      expect(await client.get(`${env!.REDIS_KEY_PREFIX}vis:~since`)).not.toBeNull();
      // 30 cookies, and the 4 cookieless visitors once per UTC day they were seen.
      expect((await client.keys(`${env!.REDIS_KEY_PREFIX}vis:{${SITE}}:s:*`)).length).toBeGreaterThanOrEqual(34);
    } finally {
      client.disconnect();
    }
  });

  it('stores every hit', async () => {
    const [{ n } = { n: '0' }] = await svc.store.query<{ n: string }>('SELECT count() AS n FROM events WHERE site = {site:String}', { site: SITE });
    expect(Number(n)).toBe(hits.length);
  });

  it('gives exactly the visits window functions give, whatever order the hits came in', async () => {
    const reference = await svc.store.query<Record<string, unknown>>(REFERENCE, { site: SITE });
    const formed = await svc.store.query<Record<string, unknown>>(
      formedVisitsSql(FACTS),
      { site: SITE },
    );
    expect(formed).toEqual(reference.map(({ hit_ids: _, ...facts }) => facts));
    expect(reference.length).toBeGreaterThan(60);
    // Unmerged versions cancel out in sums: the weighted count is the number of visits.
    const [{ visits } = { visits: '0' }] = await svc.store.query<{ visits: string }>('SELECT sum(sign) AS visits FROM visits WHERE site = {site:String}', { site: SITE });
    expect(Number(visits)).toBe(reference.length);
  });

  it('names on each hit the visit it belongs to (through the aliases of merged visits)', async () => {
    const reference = await svc.store.query<{ hit_ids: string[] }>(REFERENCE, { site: SITE });
    const aliases = new Map(
      (await svc.store.query<{ visit_id: string; alias_of: string }>('SELECT visit_id, argMax(alias_of, at) AS alias_of FROM visit_aliases WHERE site = {site:String} GROUP BY visit_id', { site: SITE })).map((a) => [a.visit_id, a.alias_of]),
    );
    // The shuffled order made late hits bridge visits formed before them: merges were exercised.
    expect(aliases.size).toBeGreaterThan(0);
    const resolve = (id: string): string => (aliases.has(id) ? resolve(aliases.get(id)!) : id);
    const rows = await svc.store.query<{ event_id: string; visit_id: string }>('SELECT event_id, toString(visit_id) AS visit_id FROM events WHERE site = {site:String}', { site: SITE });
    const byVisit = new Map<string, string[]>();
    for (const r of rows) byVisit.set(resolve(r.visit_id), [...(byVisit.get(resolve(r.visit_id)) ?? []), r.event_id]);
    const live = new Set((await svc.store.query<{ id: string }>('SELECT toString(visit_id) AS id FROM visits FINAL WHERE site = {site:String}', { site: SITE })).map((r) => r.id));
    expect([...byVisit.keys()].every((id) => live.has(id))).toBe(true);
    expect([...byVisit.values()].map((ids) => ids.sort().join(',')).sort()).toEqual(reference.map((r) => r.hit_ids.join(',')).sort());
  });
});
