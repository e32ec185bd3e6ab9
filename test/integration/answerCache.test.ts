// Kept statistics answers (src/graphql/answerCache.ts) through HTTP: the same request again is sent
// from them, byte for byte what the whole path answers, audited alike; never to another key, a key
// without the site or the purpose; never after the data or the site's settings changed.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrlOrSkip } from '../support/redis.ts';
import { BROWSER_UA, importNdjson, startTestService, type TestService } from '../support/testService.ts';

const DAY = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
const at = (hhmm: string) => Date.parse(`${DAY}T${hhmm}:00Z`);

function hits(site: string, who: string[]) {
  return who.flatMap((cid) => [
    { site, url: `https://${site}.example/home`, ts: at('10:00'), cid, ua: BROWSER_UA, ip: '198.51.100.7' },
    { site, url: `https://${site}.example/pricing`, ts: at('10:02'), cid, ua: BROWSER_UA, ip: '198.51.100.7' },
  ]);
}

const QUERY = `query Q($f: [StatsFilter!]) {
  pages: stats(site: "kept", from: "${DAY}", to: "${DAY}", filter: $f, limit: 10) { rows { page visitors pageviews } totals { visitors pageviews } suppressedRows }
  entries: stats(site: "kept", from: "${DAY}", to: "${DAY}", filter: $f, limit: 10) { rows { entryPage visitors visits } suppressedRows }
}`;
const BODY = JSON.stringify({ query: QUERY, variables: { f: null } });

const redis = redisUrlOrSkip();
const prefix = `calypso-kept-${process.pid}:`;
const caches = [
  { name: 'the in-process cache', env: {} as Record<string, string>, skip: false },
  // The statistics cache in Redis: the kept answers' checks read the watermarks and answers there.
  { name: `Redis ${redis.reason}`, env: { REDIS_URL: redis.url ?? '', REDIS_KEY_PREFIX: prefix }, skip: redis.url === undefined },
];

describe.each(caches)('kept statistics answers, over $name', ({ env, skip }) => {
  if (skip) {
    it.skip('needs Redis', () => {});
    return;
  }
  let svc: TestService;
  const keys: Record<'a' | 'b' | 'other' | 'ads', string> = { a: '', b: '', other: '', ads: '' };

  const send = async (key: string, purpose: string, body = BODY) => {
    const res = await fetch(`${svc.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-calypso-purpose': purpose }, body });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  };
  /** The whole path through Apollo (a persisted-query extension never takes the prepared path). */
  const viaApollo = (key: string) =>
    send(key, 'STATISTICS', JSON.stringify({ query: QUERY, variables: { f: null }, extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(QUERY).digest('hex') } } }));
  const paths = async () => {
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    const n = (path: string) => Number(new RegExp(`calypso_graphql_requests_by_path_total\\{path="${path}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    return { prepared: n('prepared'), kept: n('kept'), apollo: n('apollo') };
  };
  /** Which path answered `f()`. */
  const pathOf = async (f: () => Promise<unknown>) => {
    const before = await paths();
    await f();
    const after = await paths();
    return (['prepared', 'kept', 'apollo'] as const).filter((p) => after[p] !== before[p]).join();
  };
  const importHits = async (body: object[]) => {
    expect(await importNdjson(svc, body)).toEqual({ accepted: body.length, rejected: [] });
    await svc.flush();
  };
  const keyFor = async (purposes: string, sites: string) => {
    const made = await svc.gql<{ createApiKey: { secret: string } }>(svc.adminKey, 'ADMINISTRATION', `mutation { createApiKey(name: "k", purposes: [${purposes}], sites: [${sites}]) { secret } }`);
    return made.data!.createApiKey.secret;
  };

  beforeAll(async () => {
    svc = await startTestService({ env });
    for (const id of ['kept', 'other']) {
      const made = await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { createSite(id: "${id}", name: "${id}", hostnames: ["${id}.example"], timezone: "UTC", kAnonymity: 2) { id } }`);
      expect(made.errors).toBeUndefined();
    }
    await importHits(hits('kept', ['A', 'B', 'C']));
    keys.a = await keyFor('STATISTICS', '"kept"');
    keys.b = await keyFor('STATISTICS', '"kept"');
    keys.other = await keyFor('STATISTICS', '"other"');
    keys.ads = await keyFor('ADVERTISING', '"kept"');
  });
  afterAll(async () => {
    await svc?.stop();
    if (env.REDIS_URL === undefined) return;
    const client = new Redis(env.REDIS_URL);
    const left = await client.keys(`${prefix}*`);
    if (left.length > 0) await client.del(...left);
    await client.quit();
  });

  it('sends the same request again from the kept answer, byte for byte what the whole path answers', async () => {
    let first: Awaited<ReturnType<typeof send>> | undefined;
    expect(await pathOf(async () => (first = await send(keys.a, 'STATISTICS')))).toBe('prepared');
    expect(first!.status).toBe(200);
    expect(JSON.parse(first!.body).data.pages.totals).toEqual({ visitors: 3, pageviews: 6 });
    let again: Awaited<ReturnType<typeof send>> | undefined;
    expect(await pathOf(async () => (again = await send(keys.a, 'STATISTICS')))).toBe('kept');
    expect(again).toEqual(first);
    let apollo: Awaited<ReturnType<typeof send>> | undefined;
    expect(await pathOf(async () => (apollo = await viaApollo(keys.a)))).toBe('apollo');
    expect(apollo!.body).toBe(first!.body);
  });

  it('audits a kept answer as the whole path does', async () => {
    await send(keys.a, 'STATISTICS', BODY.replace('"f":null', '"f":[]'));
    expect(await pathOf(() => send(keys.a, 'STATISTICS', BODY.replace('"f":null', '"f":[]')))).toBe('kept');
    await svc.flush();
    const log = await svc.gql<{ auditLog: Array<Record<string, unknown>> }>(
      svc.adminKey,
      'ADMINISTRATION',
      `{ auditLog(from: "${new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)}", to: "${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}", limit: 1000) { keyId purpose operation fields sites outcome code rows } }`,
    );
    const ours = log.data!.auditLog.filter((r) => r.operation === 'Q');
    // Every request of this file under operation Q so far, each its own row, all alike.
    expect(ours.length).toBeGreaterThanOrEqual(5);
    for (const r of ours) expect(r).toEqual({ ...ours[0], keyId: r.keyId });
    expect(ours[0]).toMatchObject({ purpose: 'STATISTICS', fields: ['Query.stats'], sites: ['kept'], outcome: 'allowed', code: null });
    expect(ours[0]!.rows).toBeGreaterThan(1);
  });

  it('never sends a kept answer to another key, a key without the site, or under another purpose', async () => {
    await send(keys.a, 'STATISTICS');
    expect(await pathOf(() => send(keys.a, 'STATISTICS'))).toBe('kept');
    // Another key of the same sites and purposes: its own entry, made by the whole path.
    expect(await pathOf(() => send(keys.b, 'STATISTICS'))).toBe('prepared');
    expect(await pathOf(() => send(keys.b, 'STATISTICS'))).toBe('kept');
    const outside = await send(keys.other, 'STATISTICS');
    expect(JSON.parse(outside.body)).toMatchObject({ data: null, errors: [{ extensions: { code: 'FORBIDDEN' } }] });
    const ads = await send(keys.ads, 'ADVERTISING');
    expect(JSON.parse(ads.body)).toMatchObject({ data: null, errors: [{ extensions: { code: 'PURPOSE_NOT_ALLOWED' } }] });
    const undeclared = await send(keys.a, 'ADVERTISING');
    expect(JSON.parse(undeclared.body)).toMatchObject({ data: null, errors: [{ extensions: { code: 'PURPOSE_NOT_ALLOWED' } }] });
    const revoked = await keyFor('STATISTICS', '"kept"');
    await send(revoked, 'STATISTICS');
    expect(await pathOf(() => send(revoked, 'STATISTICS'))).toBe('kept');
    const listed = await svc.gql<{ apiKeys: Array<{ id: string }> }>(svc.adminKey, 'ADMINISTRATION', '{ apiKeys { id } }');
    const revokedNow = await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { revokeApiKey(id: "${listed.data!.apiKeys.at(-1)!.id}") }`);
    expect(revokedNow.data).toEqual({ revokeApiKey: true });
    const after = await send(revoked, 'STATISTICS');
    expect(JSON.parse(after.body)).toMatchObject({ data: null, errors: [{ extensions: { code: 'KEY_REVOKED' } }] });
  });

  it('answers anew once new data are in, and once the site changes k', async () => {
    const before = JSON.parse((await send(keys.a, 'STATISTICS')).body);
    await importHits(hits('kept', ['D']));
    let now: Awaited<ReturnType<typeof send>> | undefined;
    expect(await pathOf(async () => (now = await send(keys.a, 'STATISTICS')))).toBe('prepared');
    expect(JSON.parse(now!.body).data.pages.totals).toEqual({ visitors: before.data.pages.totals.visitors + 1, pageviews: before.data.pages.totals.pageviews + 2 });
    expect(await pathOf(() => send(keys.a, 'STATISTICS'))).toBe('kept');

    const changed = await svc.gql(svc.adminKey, 'ADMINISTRATION', 'mutation { updateSite(id: "kept", kAnonymity: 5) { id } }');
    expect(changed.errors).toBeUndefined();
    let fewer: Awaited<ReturnType<typeof send>> | undefined;
    expect(await pathOf(async () => (fewer = await send(keys.a, 'STATISTICS')))).toBe('prepared');
    // 4 visitors under k = 5: the totals are hidden now.
    expect(JSON.parse(fewer!.body).data.pages.totals).toEqual({ visitors: null, pageviews: null });
  });
});
