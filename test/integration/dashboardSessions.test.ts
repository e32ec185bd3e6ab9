// The dashboard's server side (issue 13): sign-in sessions in an HttpOnly SameSite=Strict cookie, the
// cookie standing in for a key on same-origin /graphql and REST requests that declare a purpose (and
// for nothing else), a revoked key's session ended, and the built files served with their headers.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { CONTENT_SECURITY_POLICY } from '../../src/dashboard/securityHeaders.ts';
import { redisUrlOrSkip } from '../support/redis.ts';
import { eventually, siteWithKey, startTestService, tempDir, type TestService } from '../support/testService.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dist = path.join(root, 'web', 'dist');
const SESSION = { 'x-calypso-session': '1' };

interface SignedIn {
  status: number;
  cookie: string;
  setCookie: string;
  body: { session?: { keyId: string; name: string; purposes: string[]; sites: string[] | '*' }; code?: string; field?: string };
}

async function signIn(svc: TestService, key: unknown, headers: Record<string, string> = {}): Promise<SignedIn> {
  const res = await fetch(`${svc.url}/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...SESSION, ...headers }, body: JSON.stringify({ key }) });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { status: res.status, setCookie, cookie: setCookie.split(';')[0]!, body: (await res.json()) as SignedIn['body'] };
}

async function gqlWithCookie(svc: TestService, cookie: string, headers: Record<string, string>, query = 'query Mine { sites { id } }') {
  const res = await fetch(`${svc.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, ...headers }, body: JSON.stringify({ query }) });
  return { status: res.status, body: (await res.json()) as { data?: { sites?: Array<{ id: string }> } | null; errors?: Array<{ extensions?: { code?: string } }> } };
}

// One embedded engine per process: the two services of this file run one after the other.
describe('dashboard sessions and files (a service that trusts this machine as its proxy)', () => {
  let svc: TestService;
  beforeAll(async () => {
    if (!fs.existsSync(path.join(dist, 'index.html'))) execFileSync(process.execPath, [path.join(root, 'scripts', 'buildDashboard.ts')], { cwd: root, stdio: 'ignore' });
    svc = await startTestService({ env: { CALYPSO_TRUSTED_PROXIES: '127.0.0.1,::1' } });
  }, 60_000);
  afterAll(() => svc?.stop());

  it('signs in with a key: the session names the key (never the secret) in an HttpOnly SameSite=Strict cookie, not Secure over http', async () => {
    const s = await signIn(svc, svc.adminKey);
    expect(s.status).toBe(200);
    expect(s.body.session).toEqual({ keyId: 'admin', name: 'bootstrap admin key', purposes: ['ADMINISTRATION'], sites: '*' });
    expect(s.setCookie).toMatch(/^calypso_session=[A-Za-z0-9_-]{43}; /);
    const flags = s.setCookie.split(';').map((f) => f.trim());
    expect(flags).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/']));
    expect(flags).not.toContain('Secure');
    expect(JSON.stringify(s.body)).not.toContain(svc.adminKey);
  });

  it('a new sign-in ends the session the browser carried and makes a new id', async () => {
    const first = await signIn(svc, svc.adminKey);
    const second = await signIn(svc, svc.adminKey, { cookie: first.cookie });
    expect(second.cookie).not.toBe(first.cookie);
    const old = await fetch(`${svc.url}/session`, { headers: { cookie: first.cookie, ...SESSION } });
    expect(await old.json()).toEqual({ session: null });
    const now = await fetch(`${svc.url}/session`, { headers: { cookie: second.cookie, ...SESSION } });
    expect(((await now.json()) as SignedIn['body']).session?.keyId).toBe('admin');
  });

  it('marks the cookie Secure when a trusted proxy says X-Forwarded-Proto: https', async () => {
    expect((await signIn(svc, svc.adminKey, { 'x-forwarded-proto': 'https' })).setCookie.split('; ')).toContain('Secure');
  });

  it('GET /session answers the session; DELETE /session ends it and clears the cookie; then GET answers no session', async () => {
    const s = await signIn(svc, svc.adminKey);
    const get = await fetch(`${svc.url}/session`, { headers: { cookie: s.cookie, ...SESSION } });
    expect(get.status).toBe(200);
    expect(get.headers.get('cache-control')).toBe('no-store');
    expect(((await get.json()) as SignedIn['body']).session?.keyId).toBe('admin');
    const del = await fetch(`${svc.url}/session`, { method: 'DELETE', headers: { cookie: s.cookie, ...SESSION } });
    expect(del.status).toBe(204);
    expect(del.headers.get('set-cookie')).toMatch(/^calypso_session=; .*Max-Age=0/);
    // Signed out is an answer, not an error (a 401 would be a console error on every sign-in page).
    const after = await fetch(`${svc.url}/session`, { headers: { cookie: s.cookie, ...SESSION } });
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ session: null });
    expect(after.headers.get('set-cookie')).toMatch(/^calypso_session=; .*Max-Age=0/);
    const none = await fetch(`${svc.url}/session`, { headers: SESSION });
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual({ session: null });
  });

  it('audits every session call made with a key: the read of the session, sign-out, and a malformed sign-in', async () => {
    const s = await signIn(svc, svc.adminKey);
    await fetch(`${svc.url}/session`, { headers: { cookie: s.cookie, ...SESSION } });
    await fetch(`${svc.url}/session`, { method: 'DELETE', headers: { cookie: s.cookie, ...SESSION } });
    const bad = await fetch(`${svc.url}/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...SESSION }, body: '{"key": 7}' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'BAD_USER_INPUT', field: 'key' });
    await svc.flush();
    const rows = await eventually(
      () => svc.store.query<{ operation: string; key_id: string; outcome: string }>("SELECT operation, key_id, outcome FROM audit_log WHERE operation IN ('GET /session', 'DELETE /session') OR (operation LIKE 'POST /session%' AND code = 'BAD_USER_INPUT')"),
      (r) => r.length >= 3,
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        { operation: 'GET /session', key_id: 'admin', outcome: 'allowed' },
        { operation: 'DELETE /session', key_id: 'admin', outcome: 'allowed' },
        expect.objectContaining({ operation: expect.stringMatching(/^POST \/session/), outcome: expect.stringMatching(/denied|error/) }),
      ]),
    );
  });

  it('audits refused session calls as denied (summed), under the key of the session they carried', async () => {
    const s = await signIn(svc, svc.adminKey);
    const cross = await fetch(`${svc.url}/session`, { method: 'DELETE', headers: { cookie: s.cookie, ...SESSION, 'sec-fetch-site': 'cross-site' } });
    expect(cross.status).toBe(403);
    const noHeader = await fetch(`${svc.url}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: svc.adminKey }) });
    expect(noHeader.status).toBe(403);
    const rows = await eventually(
      () => svc.store.query<{ operation: string; key_id: string; outcome: string; code: string }>("SELECT operation, key_id, outcome, code FROM audit_log WHERE code = 'FORBIDDEN' AND (operation LIKE 'DELETE /session ×%' OR operation LIKE 'POST /session ×%')"),
      (r) => r.length >= 2,
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        { operation: 'DELETE /session ×1', key_id: 'admin', outcome: 'denied', code: 'FORBIDDEN' },
        { operation: 'POST /session ×1', key_id: '', outcome: 'denied', code: 'FORBIDDEN' },
      ]),
    );
    // Refused, the session still stands.
    expect(((await (await fetch(`${svc.url}/session`, { headers: { cookie: s.cookie, ...SESSION } })).json()) as SignedIn['body']).session?.keyId).toBe('admin');
  });

  it("audits a revoked key's GET /session as denied and its sign-out under that key; a browser without a session is not audited", async () => {
    const secret = await siteWithKey(svc, 'revoked-reader', ['STATISTICS']);
    const s = await signIn(svc, secret);
    const other = await signIn(svc, secret);
    const id = s.body.session!.keyId;
    expect((await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { revokeApiKey(id: "${id}") }`)).errors).toBeUndefined();
    const get = await fetch(`${svc.url}/session`, { headers: { cookie: s.cookie, ...SESSION } });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ session: null });
    expect((await fetch(`${svc.url}/session`, { method: 'DELETE', headers: { cookie: other.cookie, ...SESSION } })).status).toBe(204);
    // No cookie at all, and a cookie the cache does not hold: no key, nothing read, no row.
    expect(await (await fetch(`${svc.url}/session`, { headers: SESSION })).json()).toEqual({ session: null });
    expect(await (await fetch(`${svc.url}/session`, { headers: { cookie: 'calypso_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', ...SESSION } })).json()).toEqual({ session: null });
    const rows = await eventually(
      () => svc.store.query<{ operation: string; outcome: string; code: string }>("SELECT operation, outcome, code FROM audit_log WHERE key_id = {k:String} AND (operation LIKE 'GET /session%' OR operation LIKE 'DELETE /session%') ORDER BY operation", { k: id }),
      (r) => r.length >= 2,
    );
    expect(rows).toEqual([
      { operation: 'DELETE /session', outcome: 'allowed', code: '' },
      { operation: 'GET /session ×1', outcome: 'denied', code: 'KEY_REVOKED' },
    ]);
    // Every GET /session row names a key, but for refusals (403) a browser sent with no session.
    const anonymous = await svc.store.query<{ n: string }>("SELECT count() AS n FROM audit_log WHERE operation LIKE 'GET /session%' AND key_id = '' AND code != 'FORBIDDEN'");
    expect(Number(anonymous[0]!.n)).toBe(0);
  });

  it('refuses session calls without X-Calypso-Session: 1 or from another site (403)', async () => {
    const s = await signIn(svc, svc.adminKey);
    expect((await fetch(`${svc.url}/session`, { headers: { cookie: s.cookie } })).status).toBe(403);
    expect((await fetch(`${svc.url}/session`, { headers: { cookie: s.cookie, ...SESSION, origin: 'http://evil.example' } })).status).toBe(403);
    expect((await fetch(`${svc.url}/session`, { headers: { cookie: s.cookie, ...SESSION, 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await signIn(svc, svc.adminKey, { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    const own = new URL(svc.url).host;
    expect((await fetch(`${svc.url}/session`, { headers: { cookie: s.cookie, ...SESSION, origin: `http://${own}` } })).status).toBe(200);
    expect((await fetch(`${svc.url}/session`, { headers: { cookie: s.cookie, ...SESSION, 'sec-fetch-site': 'same-origin' } })).status).toBe(200);
  });

  it('a session authenticates /graphql for same-origin requests that declare a purpose, audited under its key', async () => {
    const secret = await siteWithKey(svc, 'dash', ['STATISTICS']);
    const s = await signIn(svc, secret);
    expect(s.status).toBe(200);
    const keyId = s.body.session!.keyId;
    expect(s.body.session).toMatchObject({ purposes: ['STATISTICS'], sites: ['dash'] });
    const ok = await gqlWithCookie(svc, s.cookie, { 'x-calypso-purpose': 'STATISTICS', 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(200);
    expect(ok.body.data?.sites).toEqual([{ id: 'dash' }]);
    await svc.flush();
    const rows = await eventually(
      async () => {
        await svc.flush();
        return svc.store.query<{ operation: string; outcome: string }>('SELECT operation, outcome FROM audit_log WHERE key_id = {k:String} AND purpose = {p:String}', { k: keyId, p: 'STATISTICS' });
      },
      (r) => r.some((x) => x.outcome === 'allowed' && x.operation === 'Mine'),
      10_000,
    );
    expect(rows).toContainEqual(expect.objectContaining({ operation: 'Mine', outcome: 'allowed' }));
  });

  it('a session gives nothing without X-Calypso-Purpose, or cross-site (Origin or Sec-Fetch-Site)', async () => {
    const s = await signIn(svc, svc.adminKey);
    const purpose = { 'x-calypso-purpose': 'ADMINISTRATION' };
    for (const headers of [{}, { ...purpose, origin: 'http://evil.example' }, { ...purpose, 'sec-fetch-site': 'cross-site' }, { ...purpose, 'sec-fetch-site': 'same-site' }]) {
      const r = await gqlWithCookie(svc, s.cookie, headers);
      expect(r.status).toBe(401);
      expect(r.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    // The REST routes read access the same way.
    const rest = await fetch(`${svc.url}/v1/subjects/export?site=dash&cookie=c1`, { headers: { cookie: s.cookie, 'x-calypso-purpose': 'SUBJECT_REQUEST', origin: 'http://evil.example' } });
    expect(rest.status).toBe(401);
    const restOk = await fetch(`${svc.url}/v1/subjects/export?site=dash&cookie=c1`, { headers: { cookie: s.cookie, 'x-calypso-purpose': 'SUBJECT_REQUEST', 'sec-fetch-site': 'same-origin' } });
    expect(restOk.status).not.toBe(401);
  });

  it("a revoked key's session is refused and ended", async () => {
    const made = await svc.gql<{ createApiKey: { id: string; secret: string } }>(svc.adminKey, 'ADMINISTRATION', 'mutation { createApiKey(name: "soon revoked", purposes: [ADMINISTRATION], sites: ["dash"]) { id secret } }');
    const { id, secret } = made.data!.createApiKey;
    const s = await signIn(svc, secret);
    const headers = { 'x-calypso-purpose': 'ADMINISTRATION', 'sec-fetch-site': 'same-origin' };
    expect((await gqlWithCookie(svc, s.cookie, headers)).status).toBe(200);
    expect((await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { revokeApiKey(id: "${id}") }`)).errors).toBeUndefined();
    const refused = await gqlWithCookie(svc, s.cookie, headers);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('KEY_REVOKED');
    // Ended: the session no longer names the key at all.
    const get = await fetch(`${svc.url}/session`, { headers: { cookie: s.cookie, ...SESSION } });
    expect(await get.json()).toEqual({ session: null });
    const again = await gqlWithCookie(svc, s.cookie, headers);
    expect(again.status).toBe(401);
    expect(again.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const signIn2 = await signIn(svc, secret);
    expect(signIn2.status).toBe(401);
    expect(signIn2.body.code).toBe('KEY_REVOKED');
  });

  it('serves index.html at / and the screens, not cached, with the security headers', async () => {
    for (const p of ['/', '/overview', '/admin', '/segments?site=a', '/subjects/anything']) {
      const res = await fetch(`${svc.url}${p}`);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(await res.text()).toContain('<div id="app">');
    }
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it('serves the hashed assets for a year, compressed when asked, with the security headers', async () => {
    const html = await (await fetch(`${svc.url}/`)).text();
    // The app's entry, which the boot script imports (the boot script is too small to be worth compressing).
    const script = (JSON.parse(fs.readFileSync(path.join(dist, 'manifest.json'), 'utf8')) as { entry: string }).entry;
    expect(html).toContain('<script type="module" async src="/assets/boot-');
    const style = /href="(\/assets\/[^"]+\.css)"/.exec(html)![1]!;
    const js = await fetch(`${svc.url}${script}`, { headers: { 'accept-encoding': 'identity' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await js.text()).toBe(fs.readFileSync(path.join(dist, script)).toString('utf8'));
    const css = await fetch(`${svc.url}${style}`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const gz = await fetch(`${svc.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(await gz.text()).toBe(fs.readFileSync(path.join(dist, script)).toString('utf8'));
  });

  it("answers a screen's path with the one page, which names only the boot script, its chunks and the stylesheet, served as the build compressed them", async () => {
    const preloads = (html: string) => [...html.matchAll(/<link rel="modulepreload" href="(\/assets\/[^"]+\.js)">/g)].map((m) => m[1]!);
    const index = await (await fetch(`${svc.url}/`)).text();
    const overview = await (await fetch(`${svc.url}/overview/anything?site=a`)).text();
    expect(overview).toBe(index);
    expect(overview).toBe(fs.readFileSync(path.join(dist, 'index.html'), 'utf8'));
    // One script: the boot script, which asks the session (and the screen's first requests) before
    // the app's code is asked, so those requests do not wait behind its files for a connection.
    const manifest = JSON.parse(fs.readFileSync(path.join(dist, 'manifest.json'), 'utf8')) as { boot: string; entry: string };
    expect([...overview.matchAll(/<script [^>]*src="([^"]+)"/g)].map((m) => m[1])).toEqual([manifest.boot]);
    expect(overview).not.toContain(manifest.entry);
    expect(preloads(overview).length).toBeGreaterThan(0);
    for (const file of [manifest.entry, ...preloads(overview)]) {
      const res = await fetch(`${svc.url}${file}`, { headers: { 'accept-encoding': 'br' } });
      expect(res.status, file).toBe(200);
      if (res.headers.get('content-encoding') === 'br') expect(fs.existsSync(path.join(dist, `${file}.br`)), file).toBe(true);
      expect(await res.text(), file).toBe(fs.readFileSync(path.join(dist, file), 'utf8'));
      // The build's compressed copies are read beside their file, never served by their own names.
      expect((await fetch(`${svc.url}${file}.br`)).status).toBe(404);
    }
  });

  it('refuses paths outside the built assets, encoded or not (404)', async () => {
    const { request } = await import('node:http');
    // Raw paths: fetch would normalise the dots away before sending.
    const raw = (p: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${svc.url}${p}`, { method: 'GET' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.path = p;
        req.on('error', reject);
        req.end();
      });
    for (const p of ['/assets/../package.json', '/assets/%2e%2e/package.json', '/assets/..%2fpackage.json', '/assets/%2E%2E%2F%2E%2E%2Fpackage.json', '/assets/', '/assets/../../etc/passwd', '/assets/index.html']) {
      expect(await raw(p), p).toBe(404);
    }
  });

});

describe('dashboard sessions and files (no trusted proxy, no built dashboard, 3 failed authentications a minute)', () => {
  let bare: TestService;
  let emptyDist: string;
  beforeAll(async () => {
    emptyDist = tempDir('calypso-empty-dist-');
    bare = await startTestService({ dashboardDir: emptyDist, env: { CALYPSO_AUTH_FAILURES_PER_MINUTE: '3' } });
  }, 60_000);
  afterAll(() => bare?.stop());

  it('does not mark the cookie Secure when an untrusted peer says X-Forwarded-Proto: https', async () => {
    const untrusted = await signIn(bare, bare.adminKey, { 'x-forwarded-proto': 'https' });
    expect(untrusted.status).toBe(200);
    expect(untrusted.setCookie.split('; ')).not.toContain('Secure');
  });

  it('a bad key is a failed authentication: 401, audited, and counted by the per-address limit (429)', async () => {
    expect((await signIn(bare, 'cly_not-a-key')).status).toBe(401);
    expect((await signIn(bare, 42)).body).toMatchObject({ code: 'BAD_USER_INPUT', field: 'key' });
    let last = 0;
    for (let i = 0; i < 4 && last !== 429; i++) last = (await signIn(bare, 'cly_not-a-key')).status;
    expect(last).toBe(429);
    const rows = await eventually(
      async () => {
        await bare.flush();
        return bare.store.query<{ code: string }>("SELECT code FROM audit_log WHERE operation LIKE 'POST /session%' AND outcome = 'denied'");
      },
      (r) => r.some((x) => x.code === 'UNAUTHENTICATED'),
      10_000,
    );
    expect(rows.map((r) => r.code)).toContain('UNAUTHENTICATED');
  });

  it('answers 503 with one clear line when the dashboard is not built', async () => {
    const res = await fetch(`${bare.url}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('the dashboard is not built: run npm run build:dashboard\n');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    // Built while the service runs: picked up without a restart.
    fs.mkdirSync(path.join(emptyDist, 'assets'));
    fs.writeFileSync(path.join(emptyDist, 'assets', 'late-ABC.js'), 'export {};\n');
    fs.writeFileSync(path.join(emptyDist, 'index.html'), '<!doctype html><div id="app"></div>\n');
    const built = await fetch(`${bare.url}/overview`);
    expect(built.status).toBe(200);
    expect(await built.text()).toContain('<div id="app">');
    const late = await eventually(() => fetch(`${bare.url}/assets/late-ABC.js`).then((r) => r.status), (status) => status === 200, 3_000);
    expect(late).toBe(200);
  });
});

const redis = redisUrlOrSkip();

describe.skipIf(redis.url === undefined)(`dashboard sessions in Redis ${redis.reason}`, () => {
  let svc: TestService;
  let client: Redis;
  const prefix = `calypso-sessions-${process.pid}:`;
  beforeAll(async () => {
    svc = await startTestService({ env: { REDIS_URL: redis.url!, REDIS_KEY_PREFIX: prefix, CALYPSO_SESSION_IDLE_MINUTES: '30' } });
    client = new Redis(redis.url!);
  }, 60_000);
  afterAll(async () => {
    const left = await client?.keys(`${prefix}*`);
    if (left !== undefined && left.length > 0) await client.del(...left);
    client?.disconnect();
    await svc?.stop();
  });

  it("keeps the key's id (not the secret, not the session id) under a digest, for the idle time, and deletes it at sign-out", async () => {
    const s = await signIn(svc, svc.adminKey);
    expect(s.status).toBe(200);
    const id = s.cookie.slice('calypso_session='.length);
    const keys = await client.keys(`${prefix}session:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${prefix}session:[0-9a-f]{64}$`));
    const value = (await client.get(keys[0]!))!;
    expect(JSON.parse(value)).toMatchObject({ k: 'admin' });
    expect(keys[0]! + value).not.toContain(id);
    expect(value).not.toContain(svc.adminKey);
    const ttl = await client.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(29 * 60_000);
    expect(ttl).toBeLessThanOrEqual(30 * 60_000);
    expect((await gqlWithCookie(svc, s.cookie, { 'x-calypso-purpose': 'ADMINISTRATION', 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await fetch(`${svc.url}/session`, { method: 'DELETE', headers: { cookie: s.cookie, ...SESSION } })).status).toBe(204);
    expect(await client.keys(`${prefix}session:*`)).toEqual([]);
  });
});
