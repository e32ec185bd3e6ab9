// Redis down: look-ups answer from segment_members in ClickHouse, marked degraded in a header and in
// /metrics, never a 5xx; Redis back (empty, as after a restart): the index is rebuilt at once, and until
// then look-ups stay degraded instead of answering from the empty index.
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, startRedis } from '../support/ownRedis.ts';
import { freePort } from '../support/ports.ts';
import { BROWSER_UA, eventually, siteWithKey, startTestService, type TestService } from '../support/testService.ts';

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

  it('Redis back, empty: the index is rebuilt and look-ups stop being degraded', async () => {
    redisProc = await startRedis(port);
    const back = await eventually(() => lookup('in'), (a) => a.degraded === null && a.body.segments.length === 1, 15_000);
    expect(back).toEqual({ status: 200, degraded: null, body: { segments: [segment] } });
    expect((await lookup('out')).body.segments).toEqual([]);
  });
});

// Redis killed and restarted EMPTY while look-ups run at a steady rate: every answer is either right
// from the index or marked degraded (from ClickHouse), never a silent []. The worker's tick is a minute,
// so only the rebuild a look-up starts when it finds the index incomplete can make it whole in time.
describe.skipIf(!hasRedis)('segment look-ups while Redis loses its data (own redis-server: killed, restarted empty)', () => {
  const site = 'loss';
  const prefix = 'calypso:';
  let svc: TestService;
  let redisProc: ChildProcess;
  let port: number;
  let key: string;
  let a: string;
  let b: string;
  /** What each cookie's look-up must answer: its segments when it consented to advertising. */
  let expected: Record<string, string[]>;

  type Answer = { via: string; cookie: string; status: number; degraded: string | null; segments: string[] | undefined };
  const headers = () => ({ authorization: `Bearer ${key}`, 'x-calypso-purpose': 'ADVERTISING', 'content-type': 'application/json' });
  const viaGet = async (cookie: string): Promise<Answer[]> => {
    const res = await fetch(`${svc.url}/v1/segments?site=${site}&cookie=${cookie}`, { headers: headers() });
    const body = (await res.json()) as { segments?: string[] };
    return [{ via: 'GET', cookie, status: res.status, degraded: res.headers.get('x-calypso-degraded'), segments: body.segments }];
  };
  const viaPost = async (cookies: string[]): Promise<Answer[]> => {
    const res = await fetch(`${svc.url}/v1/segments`, { method: 'POST', headers: headers(), body: JSON.stringify({ site, cookies }) });
    const body = (await res.json()) as { results?: Array<{ cookie: string; segments: string[] }> };
    return cookies.map((cookie, i) => ({ via: 'POST', cookie, status: res.status, degraded: res.headers.get('x-calypso-degraded'), segments: body.results?.[i]?.segments }));
  };
  const viaGraphql = async (cookies: string[]): Promise<Answer[]> => {
    const res = await fetch(`${svc.url}/graphql`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({ query: 'query($s: ID!, $c: [String!]!) { segmentsForCookies(site: $s, cookieIds: $c) { cookieId segments } }', variables: { s: site, c: cookies } }),
    });
    const body = (await res.json()) as { data?: { segmentsForCookies: Array<{ segments: string[] }> } };
    return cookies.map((cookie, i) => ({ via: 'GraphQL', cookie, status: res.status, degraded: res.headers.get('x-calypso-degraded'), segments: body.data?.segmentsForCookies[i]?.segments }));
  };
  const sorted = (s: string[] | undefined) => (s === undefined ? undefined : [...s].sort());
  /** Right from the index, or marked degraded (and then right too: ClickHouse answered). The first few wrong ones. */
  const wrong = (answers: Answer[]) =>
    answers.filter((x) => x.status !== 200 || JSON.stringify(sorted(x.segments)) !== JSON.stringify(expected[x.cookie]) || (x.degraded !== null && x.degraded !== 'segment-index')).slice(0, 5);
  const whole = async () => {
    const answers = [...(await viaGet('both')), ...(await viaGet('onlyA')), ...(await viaPost(Object.keys(expected)))];
    return answers.every((x) => x.degraded === null) && wrong(answers).length === 0;
  };

  /** Look-ups every few ms, by the three paths in turn, until `stop` resolves; every answer kept. */
  const drive = async (stop: Promise<void>): Promise<Answer[]> => {
    const answers: Answer[] = [];
    let done = false;
    void stop.then(() => (done = true));
    const cookies = Object.keys(expected);
    const loop = async (lane: number) => {
      for (let i = lane; !done; i += 3) {
        const cookie = cookies[i % cookies.length]!;
        answers.push(...(await (i % 3 === 0 ? viaGet(cookie) : i % 3 === 1 ? viaPost(cookies) : viaGraphql(cookies))));
        await sleep(3);
      }
    };
    await Promise.all([loop(0), loop(1), loop(2)]);
    return answers;
  };

  beforeAll(async () => {
    port = await freePort();
    redisProc = await startRedis(port);
    svc = await startTestService({ env: { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_KEY_PREFIX: prefix, CALYPSO_SEGMENT_TICK_MS: '60000' } });
    key = await siteWithKey(svc, site, ['ADVERTISING']);
    const ads = { statistics: true, advertising: true };
    for (const [cid, path, consent] of [
      ['both', '/a', ads],
      ['both', '/b', ads],
      ['onlyA', '/a', ads],
      ['revoked', '/a', ads],
      ['noAds', '/a', { statistics: true }],
    ] as const) {
      await svc.collect({ site, url: `https://${site}.example${path}`, cid, consent });
    }
    await svc.flush();
    const define = async (path: string) =>
      (await svc.gql<{ defineSegment: { id: string } }>(key, 'ADVERTISING', `mutation { defineSegment(site: "${site}", name: "${path}", rule: { visited: { path: { equals: "${path}" } } }) { id } }`)).data!.defineSegment.id;
    [a, b] = [await define('/a'), await define('/b')];
    for (const id of [a, b]) await svc.gql(key, 'ADVERTISING', `mutation { refreshSegment(id: "${id}") { id } }`);
    // Still in a's members, but no longer consenting: the consent mirror, lost with Redis, is read back
    // from ClickHouse, so the revocation holds through the loss.
    const revoke = await fetch(`${svc.url}/consent`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA }, body: JSON.stringify({ site, cid: 'revoked', consent: { statistics: true } }) });
    expect(revoke.status).toBe(200);
    await svc.flush();
    expected = { both: [a, b].sort(), onlyA: [a], revoked: [], noAds: [], nobody: [] };
  });
  afterAll(async () => {
    await svc?.stop();
    if (redisProc?.exitCode === null) await stopRedis(redisProc);
  });

  it('Redis killed and restarted empty: every answer right or degraded, and the index whole again without waiting for a tick', async () => {
    expect(await whole()).toBe(true);
    let stop!: () => void;
    const driving = drive(new Promise<void>((r) => (stop = r)));
    await sleep(200);
    await stopRedis(redisProc);
    await sleep(300);
    redisProc = await startRedis(port);
    // Well inside the 60 s tick: only the rebuild the look-ups started can make it whole.
    await eventually(whole, (ok) => ok, 20_000);
    await sleep(200);
    stop();
    const answers = await driving;
    expect(wrong(answers)).toEqual([]);
    expect(answers.some((x) => x.degraded === 'segment-index')).toBe(true);
    expect(await whole()).toBe(true);
  });

  it('Redis flushed under running look-ups (no restart): the same', async () => {
    const client = new Redis(`redis://127.0.0.1:${port}`);
    try {
      let stop!: () => void;
      const driving = drive(new Promise<void>((r) => (stop = r)));
      await sleep(100);
      await client.flushdb();
      await eventually(whole, (ok) => ok, 20_000);
      stop();
      expect(wrong(await driving)).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it("one member set evicted, or one site's live map: never a segment silently missing; rebuilt at once", async () => {
    const client = new Redis(`redis://127.0.0.1:${port}`);
    try {
      const version = await client.hget(`${prefix}seg:{${site}}:live`, a);
      expect(version).toMatch(/^\d+$/);
      // As an eviction would: the set of segment a's live version goes, the live map stays.
      await client.del(`${prefix}seg:{${site}}:m:${a}:${version}`);
      const first = await viaGet('both');
      expect(wrong(first)).toEqual([]);
      expect(first[0]!.degraded).toBe('segment-index');
      await eventually(whole, (ok) => ok, 20_000);
      // Now the live map itself (its members stay): the look-up cannot tell "no segments" from "lost".
      await client.del(`${prefix}seg:{${site}}:live`);
      const second = await viaGet('onlyA');
      expect(wrong(second)).toEqual([]);
      expect(second[0]!.degraded).toBe('segment-index');
      await eventually(whole, (ok) => ok, 20_000);
    } finally {
      client.disconnect();
    }
  });
});
