// An erasure forgets the visitor's open visits in the collectors' visit state (policy 4.1, docs/visits.md):
// in the collector's memory, in Redis when the service shares it (one process, or api and collector apart),
// and in another instance's memory once it learns the tombstone. A later hit opens a new visit.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowSql } from '../../src/store/sqlTime.ts';
import { visitRowLine, type VisitRow } from '../../src/visits/visitRow.ts';
import { startChdbHttpServer, type ChdbHttpServer } from '../support/chdbHttpServer.ts';
import { redisUrlOrSkip } from '../support/redis.ts';
import { eventually, siteWithKey, startTestService, tempDir, type TestService } from '../support/testService.ts';

const redis = redisUrlOrSkip();

interface Deployment {
  /** Takes the hits. */
  collector: TestService;
  /** Runs the erasure. */
  api: TestService;
  /** The raw Redis of the state, with the service's key prefix, or undefined when the state is in memory. */
  raw: Redis | undefined;
  stop(): Promise<void>;
}

const MIN = 60_000;

/** The visit state held for `pid`: from the collector's memory, or the Redis key itself. */
async function stateOf(d: Deployment, site: string, pid: string): Promise<Array<{ row: { visit_id: string; entry_page: string } }> | undefined> {
  if (d.raw === undefined) return (await d.collector.visitState!.get(site, `p${pid}`)) as never;
  const json = await d.raw.get(`vis:{${site}}:s:p${pid}`);
  return json === null ? undefined : (JSON.parse(json) as never);
}

/** Two erased hits 10 and 5 minutes ago, the erasure, then a hit now: a visit of its own. */
function erasureForgetsTheVisit(site: string, deployment: () => Promise<Deployment>) {
  let d: Deployment;
  let key: string;
  beforeAll(async () => {
    d = await deployment();
    key = await siteWithKey(d.api, site, ['SUBJECT_REQUEST']);
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  });

  it('forgets the pid\'s visit state at once; a hit within 30 minutes of the erased ones opens a new visit', async () => {
    const hit = (cid: string, path: string, ts: number) => d.collector.collect({ site, url: `https://${site}.example${path}`, cid, ts, eid: `${cid}${path}` });
    const t0 = Date.now();
    for (const [path, ts] of [['/a', t0 - 10 * MIN], ['/b', t0 - 5 * MIN]] as const) expect((await hit('erin', path, ts)).body.accepted).toBe(1);
    expect((await hit('fay', '/a', t0 - 5 * MIN)).body.accepted).toBe(1);
    await d.collector.flush();
    const pidOf = async (eid: string) => (await d.api.store.query<{ pid: string }>('SELECT toString(pid) AS pid FROM events WHERE site = {site:String} AND event_id = {eid:String}', { site, eid }))[0]!.pid;
    const [erin, fay] = [await pidOf('erin/a'), await pidOf('fay/a')];
    expect(erin).not.toBe('0');
    const erased = await stateOf(d, site, erin);
    expect(erased?.map((v) => v.row.entry_page)).toEqual(['/a']);

    const r = await d.api.gql<{ eraseSubject: { id: string } }>(key, 'SUBJECT_REQUEST', `mutation { eraseSubject(site: "${site}", cookieId: "erin", reason: "request") { id } }`);
    expect(r.errors).toBeUndefined();
    // When the erasure answers, nothing of the visit is held; the other visitor's state is untouched.
    expect(await stateOf(d, site, erin)).toBeUndefined();
    expect((await stateOf(d, site, fay))?.length).toBe(1);

    // Rows of erin's erased visit another instance delivers late, within the repeat's 5 s: a newer version
    // of the visit and an alias into it. The repeat deletes them; its visits come last, so their count
    // shows when it has run.
    const erasedRow = erased![0]!.row as unknown as VisitRow;
    await d.api.store.insertNdjson('visits', visitRowLine({ ...erasedRow, version: erasedRow.version + 1 }), `${site}-late-v-${Date.now()}`);
    const alias = { site, visit_id: '1', alias_of: erasedRow.visit_id, pid: erin, at: nowSql(new Date()), retention_days: 30 };
    await d.api.store.insertNdjson('visit_aliases', `${JSON.stringify(alias)}\n`, `${site}-late-a-${Date.now()}`);
    const lateOf = (table: string, column: string) => async () =>
      Number((await d.api.store.query<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE site = {site:String} AND ${column} = {id:UInt64}`, { site, id: erasedRow.visit_id }))[0]!.n);
    expect(await lateOf('visit_aliases', 'alias_of')()).toBe(1);

    // The subject comes back before the repeat has run, 10 minutes after the erased hits: the old rule
    // would join them; the erased visit is not continued, and the repeat keeps the new one.
    const now = Date.now();
    expect((await hit('erin', '/c', now)).body.accepted).toBe(1);
    await d.collector.flush();
    expect(await lateOf('visits', 'visit_id')()).toBeGreaterThan(0);
    expect(await eventually(lateOf('visits', 'visit_id'), (n) => n === 0, 15_000)).toBe(0);
    expect(await lateOf('visit_aliases', 'alias_of')()).toBe(0);
    const state = await stateOf(d, site, erin);
    expect(state?.map((v) => v.row.entry_page)).toEqual(['/c']);
    expect(state?.[0]?.row.visit_id).not.toBe(erasedRow.visit_id);
    const events = await d.api.store.query<{ path: string }>('SELECT path FROM events WHERE site = {site:String} AND pid = {pid:UInt64}', { site, pid: erin });
    expect(events.map((e) => e.path)).toEqual(['/c']);
    const visits = await d.api.store.query<{ entry_page: string; hits: string; start: number }>(
      'SELECT entry_page, hits, toUnixTimestamp64Milli(start) AS start FROM visits FINAL WHERE site = {site:String} AND pid = {pid:UInt64} AND sign = 1',
      { site, pid: erin },
    );
    expect(visits.map((v) => [v.entry_page, Number(v.hits), Number(v.start)])).toEqual([['/c', 1, now]]);
  }, 60_000);
}

describe('erasure and the visit state, in-process (one process)', () => {
  erasureForgetsTheVisit('vera', async () => {
    const svc = await startTestService();
    return { collector: svc, api: svc, raw: undefined, stop: () => svc.stop() };
  });
});

/** A key prefix of this run's own; its keys are deleted at the end. */
function redisOf(prefix: string) {
  const raw = new Redis(redis.url!, { keyPrefix: prefix });
  return {
    raw,
    async close() {
      const keys = await raw.keys(`${prefix}*`);
      if (keys.length > 0) await raw.del(...keys.map((k) => k.slice(prefix.length)));
      raw.disconnect();
    },
  };
}

describe.skipIf(redis.url === undefined)(`erasure and the visit state, in Redis (one process) ${redis.reason}`, () => {
  erasureForgetsTheVisit('verb', async () => {
    const prefix = `test:viser1:${process.pid}:`;
    const r = redisOf(prefix);
    const svc = await startTestService({ env: { REDIS_URL: redis.url!, REDIS_KEY_PREFIX: prefix } });
    return { collector: svc, api: svc, raw: r.raw, stop: async () => (await svc.stop(), await r.close()) };
  });
});

/** A ClickHouse server of the test's own and the environment of the instances sharing it. */
async function sharedClickhouse(extra: Record<string, string>) {
  const ch: ChdbHttpServer = await startChdbHttpServer(tempDir());
  const env = {
    CLICKHOUSE_URL: ch.url,
    CLICKHOUSE_DATABASE: `calypso_${process.pid}`,
    CALYPSO_ADMIN_KEY: `cly_admin_${randomBytes(24).toString('base64url')}`,
    CALYPSO_PSEUDONYM_KEYS: `1:${randomBytes(32).toString('base64')}`,
    ...extra,
  };
  return { ch, env };
}

describe.skipIf(redis.url === undefined)(`erasure and the visit state, in Redis (api and collector apart) ${redis.reason}`, () => {
  erasureForgetsTheVisit('vers', async () => {
    const prefix = `test:viser2:${process.pid}:`;
    const r = redisOf(prefix);
    const { ch, env } = await sharedClickhouse({ REDIS_URL: redis.url!, REDIS_KEY_PREFIX: prefix });
    const api = await startTestService({ env, role: 'api' });
    const collector = await startTestService({ env, role: 'collector' });
    return { collector, api, raw: r.raw, stop: async () => (await collector.stop(), await api.stop(), await ch.close(), await r.close()) };
  });
});

describe('erasure and the visit state, in another instance\'s memory (two instances on one ClickHouse, no Redis)', () => {
  let ch: ChdbHttpServer;
  let a: TestService;
  let b: TestService;
  beforeAll(async () => {
    const shared = await sharedClickhouse({});
    ch = shared.ch;
    a = await startTestService({ env: shared.env });
    b = await startTestService({ env: shared.env });
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await ch?.close();
  });

  it('the instance that took the hits forgets the visit once it learns the tombstone, and opens a new one after', async () => {
    const site = 'vero';
    const key = await siteWithKey(a, site, ['SUBJECT_REQUEST']);
    const hit = (path: string, ts: number) => b.collect({ site, url: `https://${site}.example${path}`, cid: 'gil', ts, eid: `gil${path}` });
    const t0 = Date.now();
    expect((await hit('/a', t0 - 5 * MIN)).body.accepted).toBe(1);
    await b.flush();
    const [{ pid } = { pid: '0' }] = await a.store.query<{ pid: string }>("SELECT toString(pid) AS pid FROM events WHERE event_id = 'gil/a'");
    expect((await b.visitState!.get(site, `p${pid}`))?.length).toBe(1);
    const r = await a.gql(key, 'SUBJECT_REQUEST', `mutation { eraseSubject(site: "${site}", cookieId: "gil", reason: "request") { id } }`);
    expect(r.errors).toBeUndefined();
    // B re-reads the tombstones every second.
    expect(await eventually(() => b.visitState!.get(site, `p${pid}`), (v) => v === undefined, 10_000)).toBeUndefined();
    expect((await hit('/c', Date.now())).body.accepted).toBe(1);
    expect((await b.visitState!.get(site, `p${pid}`))?.map((v) => v.row.entry_page)).toEqual(['/c']);
  }, 60_000);
});
