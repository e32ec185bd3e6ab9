// Segments end to end over chDB and a real Redis: rule → members on a hand-built dataset, consent gating,
// immediate revocation, the fast path, exports as audited transfers, batch limits, and the atomic swap.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../src/cache/memoryCache.ts';
import { createPseudonymiser } from '../../src/privacy/pseudonymiser.ts';
import { redisUrlOrSkip } from '../support/redis.ts';
import { BROWSER_UA, eventually, siteWithKey, startTestService, type TestService } from '../support/testService.ts';

const redis = redisUrlOrSkip();
const MOBILE_UA = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36';
const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const ADS = { statistics: true, advertising: true };
const TRANSFER = { statistics: true, advertising: true, thirdParty: true };
const COOKIES = ['alice', 'bob', 'carol', 'dave', 'erin', 'bot'];

/** The hand-built dataset: who did what, when, and what they consented to. */
function dataset(site: string, now: number) {
  const h = 3_600_000;
  const d = 24 * h;
  const hit = (cid: string | undefined, path: string, ts: number, extra: Record<string, unknown> = {}) => ({
    site,
    url: `https://${site}.example${path}`,
    ts,
    ...(cid === undefined ? {} : { cid }),
    ua: BROWSER_UA,
    ...extra,
  });
  return [
    // alice: three pricing pageviews in one visit, today; consents to advertising and transfer.
    hit('alice', '/pricing', now - 10 * 60_000, { consent: TRANSFER }),
    hit('alice', '/pricing', now - 9 * 60_000),
    hit('alice', '/pricing/team', now - 8 * 60_000),
    // bob: one pricing pageview and a signup, two days ago; advertising only.
    hit('bob', '/pricing', now - 2 * d, { consent: ADS }),
    hit('bob', '/pricing', now - 2 * d + 1000, { type: 'event', name: 'signup' }),
    // carol: an old blog post (outside 30 days) on desktop, a recent one on a phone; advertising.
    hit('carol', '/blog/old', now - 40 * d, { consent: ADS }),
    hit('carol', '/blog/new', now - h, { ua: MOBILE_UA }),
    // dave: the keenest pricing reader, but statistics consent only: never in a segment.
    hit('dave', '/pricing', now - h, { consent: { statistics: true } }),
    hit('dave', '/pricing', now - h + 1000),
    hit('dave', '/pricing', now - h + 2000),
    // erin: three visits today (gaps over 30 minutes); advertising and transfer.
    hit('erin', '/', now - 3 * h, { consent: TRANSFER }),
    hit('erin', '/', now - 2 * h),
    hit('erin', '/', now - 1 * h),
    // a bot with a cookie and consent, and a cookieless visitor: neither ever enters a segment.
    hit('bot', '/pricing', now - h, { ua: BOT_UA, consent: TRANSFER }),
    hit(undefined, '/pricing', now - h),
  ];
}

describe.skipIf(redis.url === undefined)(`segments on Redis ${redis.reason}`, () => {
  let svc: TestService;
  let ads: string;
  const site = 'segs';
  const prefix = `t${process.pid}${Date.now()}:`;

  const gql = <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, key = ads, purpose = 'ADVERTISING') => svc.gql<T>(key, purpose, query, variables);
  const define = async (rule: unknown, name = 'seg') => {
    const r = await gql<{ defineSegment: { id: string } }>('mutation($s: ID!, $n: String!, $r: SegmentRuleInput!) { defineSegment(site: $s, name: $n, rule: $r) { id } }', { s: site, n: name, r: rule });
    expect(r.errors).toBeUndefined();
    return r.data!.defineSegment.id;
  };
  const refresh = async (id: string) => {
    const r = await gql<{ refreshSegment: { status: string; size: number | null; version: number } }>(`mutation { refreshSegment(id: "${id}") { status size version } }`);
    expect(r.errors).toBeUndefined();
    return r.data!.refreshSegment;
  };
  const membersOf = async (id: string) => {
    const r = await gql<{ segmentsForCookies: Array<{ cookieId: string; segments: string[] }> }>('query($s: ID!, $c: [String!]!) { segmentsForCookies(site: $s, cookieIds: $c) { cookieId segments } }', { s: site, c: COOKIES });
    expect(r.errors).toBeUndefined();
    return r.data!.segmentsForCookies.filter((c) => c.segments.includes(id)).map((c) => c.cookieId);
  };
  const fastPath = (cookie: string, key = ads, purpose = 'ADVERTISING', s = site) =>
    fetch(`${svc.url}/v1/segments?site=${s}&cookie=${encodeURIComponent(cookie)}`, { headers: { authorization: `Bearer ${key}`, 'x-calypso-purpose': purpose } });

  beforeAll(async () => {
    svc = await startTestService({ env: { REDIS_URL: redis.url!, REDIS_KEY_PREFIX: prefix, CALYPSO_SEGMENT_TICK_MS: '3600000' } });
    ads = await siteWithKey(svc, site, ['ADVERTISING', 'PERSONALIZATION', 'SUBJECT_REQUEST'], ', kAnonymity: 2');
    const ndjson = dataset(site, Date.now()).map((e) => JSON.stringify(e)).join('\n');
    const res = await fetch(`${svc.url}/v1/import`, { method: 'POST', headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION' }, body: ndjson });
    expect(await res.json()).toMatchObject({ rejected: [] });
    await svc.flush();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it.each([
    ['visited prefix', { visited: { path: { prefix: '/pricing' } } }, ['alice', 'bob']],
    ['visited equals, at least 2', { visited: { path: { equals: '/pricing' }, atLeast: 2 } }, ['alice']],
    ['visited contains, 30 days', { visited: { path: { contains: 'blog' } } }, ['carol']],
    ['event', { event: { name: 'signup' } }, ['bob']],
    ['visits at least 3', { visits: { atLeast: 3 } }, ['erin']],
    ['last seen within 1 day', { lastSeen: { withinDays: 1 } }, ['alice', 'carol', 'erin']],
    ['attribute device', { attribute: { dimension: 'DEVICE', in: ['mobile'] } }, ['carol']],
    ['all with not', { all: [{ visited: { path: { prefix: '/pricing' } } }, { not: { event: { name: 'signup' } } }] }, ['alice']],
    ['any', { any: [{ event: { name: 'signup' } }, { visits: { atLeast: 3 } }] }, ['bob', 'erin']],
  ])('%s → the expected members, only cookies that consented to advertising', async (_, rule, expected) => {
    const id = await define(rule);
    const state = await refresh(id);
    expect(state.status).toBe('LIVE');
    expect(await membersOf(id)).toEqual(expected);
    // size is k-anonymous (k = 2 here)
    expect(state.size).toBe(expected.length >= 2 ? expected.length : null);
  });

  it('a malformed rule is BAD_USER_INPUT pointing at the node', async () => {
    const r = await gql('mutation { defineSegment(site: "segs", name: "x", rule: { any: [{ lastSeen: { withinDays: 1 } }, { all: [] }] }) { id } }');
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'rule.any[1].all' });
  });

  it('revoking advertising consent empties the look-ups at once, before any refresh', async () => {
    const id = await define({ lastSeen: { withinDays: 1 } }, 'recent');
    await refresh(id);
    expect(((await (await fastPath('erin')).json()) as { segments: string[] }).segments).toContain(id);
    const revoked = await fetch(`${svc.url}/consent`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA }, body: JSON.stringify({ site, cid: 'erin', consent: { statistics: true } }) });
    expect(revoked.status).toBe(200);
    expect(await (await fastPath('erin')).json()).toEqual({ segments: [] });
    const viaGraphql = await gql<{ segmentsForCookie: string[] }>(`{ segmentsForCookie(site: "${site}", cookieId: "erin") }`);
    expect(viaGraphql.data?.segmentsForCookie).toEqual([]);
    // and the next refresh leaves erin out for good
    await refresh(id);
    expect(await membersOf(id)).toEqual(['alice', 'carol']);
  });

  it('consent the cache lost is read back from ClickHouse for a minute only; a recorded change stands for 400 days', async () => {
    const id = await define({ lastSeen: { withinDays: 1 } }, 'lost mirror');
    await refresh(id);
    const pid = createPseudonymiser(svc.secrets, createMemoryCache()).pseudonymise(site, 'carol').pid;
    const mirror = `${prefix}consent:${site}:${pid}`;
    const note = `${prefix}consent-default:${site}:${pid}`;
    const logRows = async () => Number((await svc.store.query<{ n: string }>('SELECT count() AS n FROM consent_log WHERE site = {site:String} AND pid = {pid:UInt64}', { site, pid: BigInt(pid) }))[0]!.n);
    const client = new Redis(redis.url!);
    try {
      // Evicted, or Redis restarted: the look-up reads ClickHouse and mirrors the value briefly, so a
      // withdrawal still in a spool when it was read cannot stand behind it for long.
      await client.del(mirror);
      expect(((await (await fastPath('carol')).json()) as { segments: string[] }).segments).toContain(id);
      await eventually(() => client.pttl(mirror), (ttl) => ttl > 0);
      expect(await client.pttl(mirror)).toBeLessThanOrEqual(60_000);

      // A hit repeating the stored consent after a loss: nothing recorded, the mirror refilled briefly.
      await client.del(mirror);
      const before = await logRows();
      const hit = await svc.collect({ site, url: `https://${site}.example/`, cid: 'carol', consent: ADS }, { 'user-agent': BROWSER_UA });
      expect(hit.body).toMatchObject({ accepted: 1 });
      await eventually(() => client.pttl(mirror), (ttl) => ttl > 0);
      expect(await client.pttl(mirror)).toBeLessThanOrEqual(60_000);

      // A default note left behind must not stand in for a recorded change should the mirror be evicted.
      await client.set(note, '15', 'PX', 60_000);
      const revoked = await fetch(`${svc.url}/consent`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA }, body: JSON.stringify({ site, cid: 'carol', consent: { statistics: true } }) });
      expect(revoked.status).toBe(200);
      expect(await client.pttl(mirror)).toBeGreaterThan(399 * 86_400_000);
      expect(await client.exists(note)).toBe(0);
      expect(await (await fastPath('carol')).json()).toEqual({ segments: [] });
      await svc.flush();
      expect(await logRows()).toBe(before + 1); // the withdrawal only
      // carol consents again, as the later cases expect
      await fetch(`${svc.url}/consent`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA }, body: JSON.stringify({ site, cid: 'carol', consent: ADS }) });
    } finally {
      client.disconnect();
    }
  });

  it('the fast path answers as GraphQL does, and refuses without key, purpose or site', async () => {
    const id = await define({ visited: { path: { prefix: '/pricing' } } }, 'fast');
    await refresh(id);
    const ok = await fastPath('alice');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-calypso-degraded')).toBeNull();
    const body = (await ok.json()) as { segments: string[] };
    const gqlBody = await gql<{ segmentsForCookie: string[] }>(`{ segmentsForCookie(site: "${site}", cookieId: "alice") }`);
    expect(body.segments).toEqual(gqlBody.data?.segmentsForCookie);
    expect(body.segments).toContain(id);
    expect((await fastPath('alice', 'nope')).status).toBe(401);
    expect((await fastPath('alice', ads, 'STATISTICS')).status).toBe(403);
    expect((await fastPath('alice', ads, 'PERSONALIZATION')).status).toBe(403);
    const other = await fastPath('alice', ads, 'ADVERTISING', 'elsewhere');
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ code: 'FORBIDDEN' });
    const batch = await fetch(`${svc.url}/v1/segments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ads}`, 'x-calypso-purpose': 'ADVERTISING', 'content-type': 'application/json' },
      body: JSON.stringify({ site, cookies: ['alice', 'dave', 'nobody'] }),
    });
    const results = ((await batch.json()) as { results: Array<{ cookie: string; segments: string[] }> }).results;
    expect(results.map((r) => [r.cookie, r.segments.includes(id)])).toEqual([
      ['alice', true],
      ['dave', false],
      ['nobody', false],
    ]);
    // A cookie with no stored consent leaves a short-lived note (the site's default), not a mirror entry.
    const pid = createPseudonymiser(svc.secrets, createMemoryCache()).pseudonymise(site, 'nobody').pid;
    const client = new Redis(redis.url!);
    try {
      expect(await client.exists(`${prefix}consent:${site}:${pid}`)).toBe(0);
      const ttl = await client.pttl(`${prefix}consent-default:${site}:${pid}`);
      expect(ttl).toBeGreaterThan(3_500_000);
      expect(ttl).toBeLessThanOrEqual(3_600_000);
    } finally {
      client.disconnect();
    }
  });

  it('an erasure takes the cookie out of every member set in Redis, live or still being built', async () => {
    const hit = await svc.collect({ site, url: `https://${site}.example/`, cid: 'frank', consent: ADS }, { 'user-agent': BROWSER_UA });
    expect(hit.body).toMatchObject({ accepted: 1 });
    await svc.flush();
    const id = await define({ lastSeen: { withinDays: 1 } }, 'erasable');
    await refresh(id);
    expect(((await (await fastPath('frank')).json()) as { segments: string[] }).segments).toContain(id);
    const pid = createPseudonymiser(svc.secrets, createMemoryCache()).pseudonymise(site, 'frank').pid;
    const client = new Redis(redis.url!);
    try {
      const version = Number(await client.hget(`${prefix}seg:{${site}}:live`, id));
      const live = `seg:{${site}}:m:${id}:${version}`;
      const building = `seg:{${site}}:m:${id}:${version + 1}`;
      expect(await client.smembers(`${prefix}seg:{${site}}:sets`)).toContain(live);
      // A refresh racing the erasure: its next version is named and holds the cookie already.
      await client.sadd(`${prefix}seg:{${site}}:sets`, building);
      await client.sadd(`${prefix}${building}`, pid);
      const erased = await gql(`mutation { eraseSubject(site: "${site}", cookieId: "frank", reason: "test") { id } }`, undefined, ads, 'SUBJECT_REQUEST');
      expect(erased.errors).toBeUndefined();
      expect(await client.sismember(`${prefix}${live}`, pid)).toBe(0);
      expect(await client.sismember(`${prefix}${building}`, pid)).toBe(0);
      expect(await (await fastPath('frank')).json()).toEqual({ segments: [] });
    } finally {
      client.disconnect();
    }
  });

  it('batch limits: at most 1000 cookies, on both paths', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => `c${i}`);
    const r = await gql('query($c: [String!]!) { segmentsForCookies(site: "segs", cookieIds: $c) { cookieId } }', { c: many });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'cookieIds' });
    const post = await fetch(`${svc.url}/v1/segments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ads}`, 'x-calypso-purpose': 'ADVERTISING', 'content-type': 'application/json' },
      body: JSON.stringify({ site, cookies: many }),
    });
    expect(post.status).toBe(400);
    expect(await post.json()).toMatchObject({ code: 'BAD_USER_INPUT', error: expect.stringContaining('1 to 1000') });
    const huge = await fetch(`${svc.url}/v1/segments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ads}`, 'x-calypso-purpose': 'ADVERTISING', 'content-type': 'application/json' },
      body: JSON.stringify({ site, cookies: ['x'.repeat(1024 * 1024)] }),
    });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', error: 'body must be at most 1048576 bytes' });
    const ok = await gql<{ segmentsForCookies: unknown[] }>('query($c: [String!]!) { segmentsForCookies(site: "segs", cookieIds: $c) { cookieId } }', { c: many.slice(0, 1000) });
    expect(ok.data?.segmentsForCookies).toHaveLength(1000);
  });

  it('personalisation: allowed only with that consent, and only then the segments', async () => {
    const id = await define({ visited: { path: { prefix: '/pricing' } } }, 'perso');
    await refresh(id);
    const q = (cookie: string) => gql<{ personalization: { allowed: boolean; segments: string[] } }>(`{ personalization(site: "${site}", cookieId: "${cookie}") { allowed segments } }`, undefined, ads, 'PERSONALIZATION');
    expect((await q('alice')).data?.personalization).toEqual({ allowed: false, segments: [] });
    await fetch(`${svc.url}/consent`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA }, body: JSON.stringify({ site, cid: 'alice', consent: { ...TRANSFER, personalization: true } }) });
    const after = (await q('alice')).data?.personalization;
    expect(after?.allowed).toBe(true);
    expect(after?.segments).toContain(id);
  });

  it('an export holds only members that consented to third-party transfer, and is audited as a transfer', async () => {
    const id = await define({ visited: { path: { prefix: '/pricing' } } }, 'export');
    await refresh(id);
    await svc.flush();
    const r = await gql<{ exportSegment: { ids: string[]; recipient: string } }>(`mutation { exportSegment(id: "${id}", recipient: "Partner DSP") { ids recipient } }`);
    expect(r.errors).toBeUndefined();
    // members: alice (advertising and transfer) and bob (advertising only).
    expect(r.data?.exportSegment.ids).toHaveLength(1);
    expect(r.data?.exportSegment.ids[0]).toMatch(/^[0-9a-f]{16}$/);
    const other = await gql<{ exportSegment: { ids: string[] } }>(`mutation { exportSegment(id: "${id}", recipient: "Another") { ids } }`);
    expect(other.data?.exportSegment.ids[0]).not.toBe(r.data?.exportSegment.ids[0]);
    await svc.flush();
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const log = await svc.gql<{ auditLog: Array<{ fields: string[]; detail: string | null }> }>(
      svc.adminKey,
      'ADMINISTRATION',
      `{ auditLog(from: "${day(-1)}", to: "${day(1)}", limit: 500) { fields detail } }`,
    );
    expect(log.errors).toBeUndefined();
    const transfers = log.data!.auditLog.filter((e) => e.fields.includes('Mutation.exportSegment')).map((e) => e.detail);
    expect(transfers).toContain(`transfer: segment ${id} version ${(await segmentVersion(id))}: 1 ids to "Partner DSP"`);
  });

  const segmentVersion = async (id: string) => {
    const rows = await svc.store.query<{ v: string }>('SELECT live_version AS v FROM segment_state FINAL WHERE id = {id:String}', { id });
    return rows[0]!.v;
  };

  it('a key for another site sees no segment of this one; unknown ids are NOT_FOUND alike', async () => {
    const id = await define({ lastSeen: { withinDays: 1 } }, 'private');
    const otherKey = await siteWithKey(svc, 'othersite', ['ADVERTISING']);
    const r = await gql(`{ segment(id: "${id}") { id } }`, undefined, otherKey);
    expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const missing = await gql('{ segment(id: "seg_missing") { id } }', undefined, otherKey);
    expect(missing.errors?.[0]?.message).toBe('segment "seg_missing" does not exist');
    expect((await gql(`mutation { deleteSegment(id: "${id}") }`, undefined, otherKey)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('versioned definitions; a deleted segment leaves look-ups at once', async () => {
    const id = await define({ visited: { path: { prefix: '/pricing' } } }, 'v');
    await refresh(id);
    const updated = await gql<{ updateSegment: { version: number; name: string } }>(`mutation { updateSegment(id: "${id}", name: "v2", rule: { event: { name: "signup" } }) { version name } }`);
    expect(updated.data?.updateSegment).toEqual({ version: 2, name: 'v2' });
    expect(await membersOf(id)).toEqual(['alice', 'bob']); // the members follow at the next refresh
    await refresh(id);
    expect(await membersOf(id)).toEqual(['bob']);
    expect((await gql(`mutation { deleteSegment(id: "${id}") }`)).data).toEqual({ deleteSegment: true });
    expect(await membersOf(id)).toEqual([]);
    // nor does the subject export list it among the segments holding the cookie
    const exported = await gql<{ exportSubject: { segments: string[] } }>(`{ exportSubject(site: "${site}", cookieId: "bob") { segments } }`, undefined, ads, 'SUBJECT_REQUEST');
    expect(exported.data?.exportSubject.segments).not.toContain(id);
    const history = await gql<{ segmentHistory: Array<{ version: number; deleted: boolean }> }>(`{ segmentHistory(id: "${id}") { version deleted } }`);
    expect(history.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const rows = await svc.store.query<{ version: number; deleted: number }>('SELECT version, deleted FROM segments WHERE id = {id:String} ORDER BY version', { id });
    expect(rows.map((r) => [Number(r.version), Number(r.deleted)])).toEqual([
      [1, 0],
      [2, 0],
      [3, 1],
    ]);
  });

  it('overlap is k-anonymous', async () => {
    const a = await define({ visited: { path: { prefix: '/pricing' } } }, 'a');
    const b = await define({ lastSeen: { withinDays: 30 } }, 'b');
    const c = await define({ event: { name: 'signup' } }, 'c');
    await Promise.all([refresh(a), refresh(b), refresh(c)]);
    const overlap = (x: string, y: string) => gql<{ segmentOverlap: { size: number | null } }>(`{ segmentOverlap(a: "${x}", b: "${y}") { size } }`);
    expect((await overlap(a, b)).data?.segmentOverlap.size).toBe(2); // alice, bob
    expect((await overlap(a, c)).data?.segmentOverlap.size).toBeNull(); // bob alone: below k = 2
  });

  it('no look-up fails or sees a half-built version during 50 refreshes', async () => {
    const id = await define({ lastSeen: { withinDays: 30 } }, 'swap');
    await refresh(id);
    const expected = ['alice', 'bob', 'carol'];
    let stop = false;
    let lookups = 0;
    const problems: string[] = [];
    const looker = (async () => {
      while (!stop) {
        const r = await gql<{ segmentsForCookies: Array<{ cookieId: string; segments: string[] }> }>('query($c: [String!]!) { segmentsForCookies(site: "segs", cookieIds: $c) { cookieId segments } }', { c: COOKIES });
        lookups++;
        if (r.errors) problems.push(JSON.stringify(r.errors));
        else {
          const got = r.data!.segmentsForCookies.filter((c) => c.segments.includes(id)).map((c) => c.cookieId);
          if (JSON.stringify(got) !== JSON.stringify(expected)) problems.push(got.join(','));
        }
      }
    })();
    const versions = new Set<string>();
    for (let i = 0; i < 50; i++) {
      await refresh(id);
      versions.add(await segmentVersion(id));
    }
    stop = true;
    await looker;
    expect(problems).toEqual([]);
    expect(lookups).toBeGreaterThan(10);
    expect(versions.size).toBe(50);
  }, 120_000); // 50 refreshes take 15–20 s on the 2-core machine
});
