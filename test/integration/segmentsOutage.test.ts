// Redis down: look-ups answer from segment_members in ClickHouse, marked degraded in a header and in
// /metrics, never a 5xx; Redis back (empty, as after a restart): the worker rebuilds the index.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.ts';
import { BROWSER_UA, eventually, siteWithKey, startTestService, type TestService } from '../support/testService.ts';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis && process.env.CI === 'true') throw new Error('CI=true needs redis-server on PATH');

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up) return child;
    await sleep(50);
  }
  throw new Error('redis-server did not start');
}

const stopRedis = (child: ChildProcess) => new Promise<void>((r) => (child.once('exit', () => r()), child.kill('SIGKILL')));

describe.skipIf(!hasRedis)('segment look-ups through a Redis outage (own redis-server: it is killed)', () => {
  let svc: TestService;
  let redisProc: ChildProcess;
  let port: number;
  let key: string;
  let segment: string;

  const lookup = async (cookie: string) => {
    const res = await fetch(`${svc.url}/v1/segments?site=outage&cookie=${cookie}`, { headers: { authorization: `Bearer ${key}`, 'x-calypso-purpose': 'ADVERTISING' } });
    return { status: res.status, degraded: res.headers.get('x-calypso-degraded'), body: (await res.json()) as { segments: string[] } };
  };
  const viaGraphql = async (cookie: string) => {
    const res = await fetch(`${svc.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'x-calypso-purpose': 'ADVERTISING', 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ segmentsForCookie(site: "outage", cookieId: "${cookie}") }` }),
    });
    return { status: res.status, degraded: res.headers.get('x-calypso-degraded'), body: (await res.json()) as { data: { segmentsForCookie: string[] } } };
  };

  beforeAll(async () => {
    port = await freePort();
    redisProc = await startRedis(port);
    svc = await startTestService({ env: { REDIS_URL: `redis://127.0.0.1:${port}`, CALYPSO_SEGMENT_TICK_MS: '200' } });
    key = await siteWithKey(svc, 'outage', ['ADVERTISING']);
    for (const [cid, advertising] of [['in', true], ['out', false]] as const) {
      await svc.collect({ site: 'outage', url: 'https://outage.example/pricing', cid, consent: { statistics: true, advertising } });
    }
    await svc.flush();
    const r = await svc.gql<{ defineSegment: { id: string } }>(key, 'ADVERTISING', 'mutation { defineSegment(site: "outage", name: "o", rule: { visited: { path: { prefix: "/pricing" } } }) { id } }');
    segment = r.data!.defineSegment.id;
    await svc.gql(key, 'ADVERTISING', `mutation { refreshSegment(id: "${segment}") { id } }`);
  });
  afterAll(async () => {
    await svc?.stop();
    if (redisProc?.exitCode === null) await stopRedis(redisProc);
  });

  it('answers from the index while Redis is up', async () => {
    expect(await lookup('in')).toEqual({ status: 200, degraded: null, body: { segments: [segment] } });
  });

  it('a deleted segment leaves the look-ups at once (and stays out of them during the outage below)', async () => {
    const r = await svc.gql<{ defineSegment: { id: string } }>(key, 'ADVERTISING', 'mutation { defineSegment(site: "outage", name: "gone", rule: { visited: { path: { prefix: "/pricing" } } }) { id } }');
    const gone = r.data!.defineSegment.id;
    await svc.gql(key, 'ADVERTISING', `mutation { refreshSegment(id: "${gone}") { id } }`);
    expect((await lookup('in')).body.segments.sort()).toEqual([segment, gone].sort());
    expect((await svc.gql<{ deleteSegment: boolean }>(key, 'ADVERTISING', `mutation { deleteSegment(id: "${gone}") }`)).data?.deleteSegment).toBe(true);
    expect(await lookup('in')).toEqual({ status: 200, degraded: null, body: { segments: [segment] } });
  });

  it('answers from ClickHouse, marked degraded, while Redis is down: the same answers, no 5xx', async () => {
    await stopRedis(redisProc);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => lookup(i % 2 === 0 ? 'in' : 'out')));
    for (const [i, a] of answers.entries()) {
      expect(a).toEqual({ status: 200, degraded: 'segment-index', body: { segments: i % 2 === 0 ? [segment] : [] } });
    }
    const g = await viaGraphql('in');
    expect(g.status).toBe(200);
    expect(g.degraded).toBe('segment-index');
    expect(g.body.data.segmentsForCookie).toEqual([segment]);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(Number(/calypso_segment_lookups_total\{source="clickhouse"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(41);
  });

  it('while Redis is down a consent change is refused whole (503, retry), and hits without one are still taken', async () => {
    const before = await svc.store.query<{ n: string }>("SELECT count() AS n FROM events WHERE site = 'outage'");
    const withConsent = await svc.collect({ site: 'outage', url: 'https://outage.example/x', cid: 'in', consent: { statistics: true } });
    expect(withConsent.status).toBe(503);
    expect(withConsent.body).toEqual({ error: 'consent cannot be recorded now; retry later', code: 'SERVICE_UNAVAILABLE' });
    const consent = await fetch(`${svc.url}/consent`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA }, body: JSON.stringify({ site: 'outage', cid: 'in', consent: {} }) });
    expect(consent.status).toBe(503);
    expect(consent.headers.get('retry-after')).toBe('5');
    const support = await svc.gql<{ createApiKey: { secret: string } }>(svc.adminKey, 'ADMINISTRATION', 'mutation { createApiKey(name: "support", purposes: [SUBJECT_REQUEST], sites: ["outage"]) { secret } }');
    const set = await svc.gql(support.data!.createApiKey.secret, 'SUBJECT_REQUEST', 'mutation { setConsent(site: "outage", cookieId: "in", consent: {}) { advertising } }');
    expect(set.errors?.[0]).toMatchObject({ message: 'consent cannot be recorded now; retry later', extensions: { code: 'SERVICE_UNAVAILABLE' } });
    const plain = await svc.collect({ site: 'outage', url: 'https://outage.example/y', cid: 'in' });
    expect(plain.status).toBe(202);
    await svc.flush();
    const after = await svc.store.query<{ n: string }>("SELECT count() AS n FROM events WHERE site = 'outage'");
    expect(Number(after[0]!.n)).toBe(Number(before[0]!.n) + 1); // the refused hit left no trace
    // The segment look-up still says "in" is a member with advertising consent: the refusal changed nothing.
    expect((await lookup('in')).body.segments).toEqual([segment]);
  });

  it('Redis back, empty: the worker rebuilds the index and look-ups stop being degraded', async () => {
    redisProc = await startRedis(port);
    const back = await eventually(() => lookup('in'), (a) => a.degraded === null && a.body.segments.length === 1, 15_000);
    expect(back).toEqual({ status: 200, degraded: null, body: { segments: [segment] } });
    expect((await lookup('out')).body.segments).toEqual([]);
  });
});
