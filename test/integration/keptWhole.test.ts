// Policy 1.3, 6.1: a request is kept whole or not at all. An error answer means nothing of it reached
// ClickHouse; a 202 means all of it did. Failures are real: a redis-server of the test's own refusing
// writes (over its memory limit), a spool over its real disk budget, a spool whose directory is gone.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../src/cache/memoryCache.ts';
import { appendTogether } from '../../src/consent/appendTogether.ts';
import { consentCacheKey } from '../../src/consent/consentMirror.ts';
import { createConsentReader } from '../../src/consent/consentReader.ts';
import { createConsentStore } from '../../src/consent/consentStore.ts';
import { Spool, SpoolFullError } from '../../src/pipeline/spool.ts';
import { hasRedis, startRedis } from '../support/ownRedis.ts';
import { freePort } from '../support/ports.ts';
import { BROWSER_UA, siteWithKey, startTestService, tempDir, type TestService } from '../support/testService.ts';

const count = async (svc: TestService, sql: string, params: Record<string, unknown> = {}) => Number((await svc.store.query<{ n: string }>(sql, params))[0]!.n);

describe.skipIf(!hasRedis)('a hit carrying consent while Redis refuses writes (own redis-server)', () => {
  let svc: TestService;
  let redisProc: ChildProcess;
  let admin: Redis;

  beforeAll(async () => {
    const port = await freePort();
    redisProc = await startRedis(port);
    admin = new Redis(port, '127.0.0.1');
    svc = await startTestService({ env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
    await siteWithKey(svc, 'whole', ['STATISTICS'], ', kAnonymity: 2');
  });
  afterAll(async () => {
    await svc?.stop();
    admin?.disconnect();
    if (redisProc?.exitCode === null) await new Promise<void>((r) => (redisProc.once('exit', () => r()), redisProc.kill('SIGKILL')));
  });

  const hit = (cid: string, page: string) => ({ site: 'whole', url: `https://whole.example/${page}`, cid, consent: { statistics: true, advertising: true } });
  const stored = async (page: string) => {
    await svc.flush();
    return {
      events: await count(svc, "SELECT count() AS n FROM events WHERE site = 'whole' AND path = {p:String}", { p: `/${page}` }),
      consents: await count(svc, "SELECT count() AS n FROM consents WHERE site = 'whole'"),
      log: await count(svc, "SELECT count() AS n FROM consent_log WHERE site = 'whole'"),
    };
  };

  it('answers 503 and keeps nothing of the request: the mirror write fails before anything is durable', async () => {
    expect((await svc.collect({ events: [hit('first', 'first')] })).status).toBe(202);
    expect(await stored('first')).toEqual({ events: 1, consents: 1, log: 1 });
    // Reads still work (the consent is looked up), writes are refused: OOM under noeviction.
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1');
    const r = await fetch(`${svc.url}/collect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
      body: JSON.stringify({ events: [hit('second', 'second'), { site: 'whole', url: 'https://whole.example/plain', cid: 'third' }] }),
    });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).not.toBeNull();
    expect(await stored('second')).toEqual({ events: 0, consents: 1, log: 1 });
    expect(await count(svc, "SELECT count() AS n FROM events WHERE site = 'whole' AND path = '/plain'")).toBe(0);
  });

  it('after the 202 of the same request, once Redis takes writes again, all of it is there', async () => {
    await admin.config('SET', 'maxmemory', '0');
    expect((await svc.collect({ events: [hit('second', 'second'), { site: 'whole', url: 'https://whole.example/plain', cid: 'third' }] })).status).toBe(202);
    expect(await stored('second')).toEqual({ events: 1, consents: 2, log: 2 });
    expect(await count(svc, "SELECT count() AS n FROM events WHERE site = 'whole' AND path = '/plain'")).toBe(1);
  });
});

describe('an import over the spool budget (CALYPSO_SPOOL_MAX_BYTES at its 1 MiB minimum)', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ env: { CALYPSO_SPOOL_MAX_BYTES: String(1024 * 1024) } });
    await siteWithKey(svc, 'budget', ['STATISTICS']);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const importBody = (n: number, withConsent: string) =>
    Array.from({ length: n }, (_, i) => {
      const e: Record<string, unknown> = { site: 'budget', url: `https://budget.example/p/${i}`, cid: `c${i}`, ts: Date.now() - 86_400_000, ua: BROWSER_UA, props: { a: 'x'.repeat(60), b: 'y'.repeat(60), c: 'z'.repeat(60) } };
      if (i === 0) Object.assign(e, { cid: withConsent, consent: { statistics: true, advertising: true } });
      return JSON.stringify(e);
    }).join('\n');
  const send = (body: string) => fetch(`${svc.url}/v1/import`, { method: 'POST', headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION', 'content-type': 'application/x-ndjson' }, body });

  it('refuses it whole with 503: its events are over budget, and its consent change is not kept either', async () => {
    const r = await send(importBody(4_000, 'big'));
    expect(r.status).toBe(503);
    await svc.flush();
    expect(await count(svc, "SELECT count() AS n FROM events WHERE site = 'budget'")).toBe(0);
    expect(await count(svc, "SELECT count() AS n FROM consents WHERE site = 'budget'")).toBe(0);
    expect(await count(svc, "SELECT count() AS n FROM consent_log WHERE site = 'budget'")).toBe(0);
  });

  it('keeps a request within the budget whole', async () => {
    expect((await send(importBody(100, 'small'))).status).toBe(202);
    await svc.flush();
    expect(await count(svc, "SELECT count() AS n FROM events WHERE site = 'budget'")).toBe(100);
    expect(await count(svc, "SELECT count() AS n FROM consents WHERE site = 'budget'")).toBe(1);
    expect(await count(svc, "SELECT count() AS n FROM consent_log WHERE site = 'budget'")).toBe(1);
  });
});

describe('appendTogether over real spools', () => {
  const dirs: string[] = [];
  const open = async (maxBytes: number) => {
    const dir = tempDir('calypso-together-');
    dirs.push(dir);
    return Spool.open({ dir: path.join(dir, 's'), maxBytes });
  };
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('appends none when one part is over its budget', async () => {
    const [roomy, tight] = [await open(1 << 20), await open(64)];
    await expect(appendTogether([{ spool: roomy, payload: Buffer.from('a\n') }, { spool: tight, payload: Buffer.alloc(100, 98) }])).rejects.toBeInstanceOf(SpoolFullError);
    expect(roomy.pendingBytes).toBe(0);
    expect(roomy.pendingSegments).toBe(0);
  });

  it('throws when every part failed, and reports a part that kept failing after another was kept', async () => {
    const [ok, broken] = [await open(1 << 20), await open(1 << 20)];
    fs.rmSync(broken.dir, { recursive: true }); // a new segment cannot be created: ENOENT on every try
    await expect(appendTogether([{ spool: broken, payload: Buffer.from('a\n') }])).rejects.toThrow(/ENOENT/);
    const outcome = await appendTogether([{ spool: ok, payload: Buffer.from('a\n') }, { spool: broken, payload: Buffer.from('b\n') }]);
    expect(outcome.kept).toBe('some');
    expect(ok.pendingBytes).toBeGreaterThan(0);
    // The directory back: a retry within the window completes the request.
    const later = appendTogether([{ spool: ok, payload: Buffer.from('c\n') }, { spool: broken, payload: Buffer.from('d\n') }]);
    await sleep(20);
    fs.mkdirSync(broken.dir, { recursive: true });
    expect((await later).kept).toBe('all');
  });
});

describe('two changes of one cookie committed at once', () => {
  let svc: TestService;
  const dirs: string[] = [];
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('the later change stays mirrored when the earlier one becomes durable after it', async () => {
    const dir = tempDir('calypso-race-');
    dirs.push(dir);
    const open = (name: string) => Spool.open({ dir: path.join(dir, name), maxBytes: 1 << 20 });
    const [consents, log, slow] = [await open('consents'), await open('log'), await open('slow')];
    const cache = createMemoryCache();
    const store = createConsentStore({ consents, log }, cache, createConsentReader(cache, svc.store));
    const pseudonym = { pid: '42', keyVersion: 1 };
    const earlier = await store.prepare([{ site: 'race', pseudonym, flags: 1 }], 'counter');
    const later = await store.prepare([{ site: 'race', pseudonym, flags: 5 }], 'api');
    // The earlier commit's events spool fails its first append (no directory): it is durable only
    // after its retry, well after the later commit.
    fs.rmSync(slow.dir, { recursive: true });
    const first = earlier.commit([{ spool: slow, payload: Buffer.from('{}\n') }]);
    await later.commit();
    fs.mkdirSync(slow.dir, { recursive: true });
    await first;
    expect(await cache.get(consentCacheKey('race', '42'))).toBe('5');
  });
});
