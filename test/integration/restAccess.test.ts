// Every authorised REST route enforces key, declared purpose and site as GraphQL does, with the same codes
// and one error body; /v1/import is audited like any operation; a key has a request rate (policy 6.1).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestService, type TestService } from '../support/testService.ts';

const A = 'rest-a';
const B = 'rest-b';

interface Route {
  name: string;
  purpose: string;
  send(svc: TestService, headers: Record<string, string>, site?: string): Promise<Response>;
}

const ROUTES: Route[] = [
  { name: 'GET /v1/segments', purpose: 'ADVERTISING', send: (svc, headers, site = A) => fetch(`${svc.url}/v1/segments?site=${site}&cookie=c1`, { headers }) },
  {
    name: 'POST /v1/segments',
    purpose: 'ADVERTISING',
    send: (svc, headers, site = A) => fetch(`${svc.url}/v1/segments`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ site, cookies: ['c1', 'c2'] }) }),
  },
  { name: 'GET /v1/subjects/export', purpose: 'SUBJECT_REQUEST', send: (svc, headers, site = A) => fetch(`${svc.url}/v1/subjects/export?site=${site}&cookie=c1`, { headers }) },
  {
    name: 'POST /v1/import',
    purpose: 'ADMINISTRATION',
    send: (svc, headers, site = A) => fetch(`${svc.url}/v1/import`, { method: 'POST', headers, body: JSON.stringify({ site, url: `https://${site}.example/old`, ts: Date.now() - 40 * 86_400_000 }) }),
  },
];

async function made(svc: TestService, sites: string[], purposes: string[]) {
  const r = await svc.gql<{ createApiKey: { id: string; secret: string } }>(svc.adminKey, 'ADMINISTRATION', 'mutation($p: [Purpose!]!, $s: [ID!]!) { createApiKey(name: "rest", purposes: $p, sites: $s) { id secret } }', { p: purposes, s: sites });
  expect(r.errors).toBeUndefined();
  return r.data!.createApiKey;
}

describe('authorised REST routes', () => {
  let svc: TestService;
  let key: string;
  let revoked: string;
  beforeAll(async () => {
    svc = await startTestService();
    for (const s of [A, B]) expect((await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { createSite(id: "${s}", name: "${s}", hostnames: ["${s}.example"]) { id } }`)).errors).toBeUndefined();
    const all = ['STATISTICS', 'ADVERTISING', 'PERSONALIZATION', 'SUBJECT_REQUEST', 'LEGAL_OBLIGATION', 'ADMINISTRATION'];
    key = (await made(svc, [A], all)).secret;
    const r = await made(svc, [A], all);
    revoked = r.secret;
    await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { revokeApiKey(id: "${r.id}") }`);
  });
  afterAll(() => svc?.stop());

  const bearer = (k: string) => ({ authorization: `Bearer ${k}` });
  const cases = ROUTES.flatMap((route) => {
    const wrong = route.purpose === 'ADMINISTRATION' ? ['STATISTICS', 'LEGAL_OBLIGATION'] : ['STATISTICS', 'ADMINISTRATION'];
    return [
      { route, label: 'no key', headers: { 'x-calypso-purpose': route.purpose }, status: 401, code: 'UNAUTHENTICATED' },
      { route, label: 'an unknown key', headers: { ...bearer('cly_not-a-key'), 'x-calypso-purpose': route.purpose }, status: 401, code: 'UNAUTHENTICATED' },
      { route, label: 'a revoked key', headers: () => ({ ...bearer(revoked), 'x-calypso-purpose': route.purpose }), status: 401, code: 'KEY_REVOKED' },
      { route, label: 'purpose absent', headers: () => bearer(key), status: 403, code: 'PURPOSE_REQUIRED' },
      ...wrong.map((p) => ({ route, label: `purpose ${p}`, headers: () => ({ ...bearer(key), 'x-calypso-purpose': p }), status: 403, code: 'PURPOSE_NOT_ALLOWED' })),
      { route, label: 'a made-up purpose', headers: () => ({ ...bearer(key), 'x-calypso-purpose': 'MARKETING' }), status: 403, code: 'PURPOSE_NOT_ALLOWED' },
      { route, label: 'another site', site: B, headers: () => ({ ...bearer(key), 'x-calypso-purpose': route.purpose }), status: 403, code: 'FORBIDDEN' },
      { route, label: 'the declared purpose, own site', headers: () => ({ ...bearer(key), 'x-calypso-purpose': route.purpose }), status: route.name === 'POST /v1/import' ? 202 : 200, code: undefined },
    ].map((c) => ({ ...c, name: `${route.name}: ${c.label}` }));
  });

  it.each(cases)('$name → $status $code', async ({ route, headers, status, code, ...c }) => {
    const site = 'site' in c ? (c.site as string) : undefined;
    const res = await route.send(svc, typeof headers === 'function' ? headers() : headers, site);
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(status);
    if (code !== undefined) {
      expect(body.code).toBe(code);
      expect(typeof body.error).toBe('string');
      expect(Object.keys(body).filter((k) => k !== 'field')).toEqual(['error', 'code']);
    }
  });

  it('audits each import: one row per call, the accepted and refused counts in detail', async () => {
    const lines = [
      { site: A, url: `https://${A}.example/audited`, ts: Date.now() - 10 * 86_400_000 },
      { site: A, url: 'https://elsewhere.example/', ts: Date.now() - 10 * 86_400_000 },
    ];
    const res = await fetch(`${svc.url}/v1/import`, { method: 'POST', headers: { ...bearer(key), 'x-calypso-purpose': 'ADMINISTRATION' }, body: lines.map((l) => JSON.stringify(l)).join('\n') });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { accepted: number }).accepted).toBe(1);
    type Row = { operation: string; outcome: string; purpose: string; sites: string[]; rows: string; detail: string };
    const rows = await eventually(
      () => svc.store.query<Row>("SELECT operation, outcome, purpose, sites, toString(rows) AS rows, detail FROM audit_log WHERE operation = 'POST /v1/import' AND detail LIKE '%1 refused%'"),
      (r) => r.length > 0,
    );
    expect(rows).toEqual([{ operation: 'POST /v1/import', outcome: 'allowed', purpose: 'ADMINISTRATION', sites: [A], rows: '1', detail: 'import: 1 accepted, 1 refused' }]);
    // The refused imports of the matrix are in the trail too, summed.
    const denied = await eventually(
      () => svc.store.query<{ code: string }>("SELECT DISTINCT code FROM audit_log WHERE operation LIKE 'POST /v1/import%' AND outcome = 'denied' ORDER BY code"),
      (r) => r.length >= 5,
    );
    expect(denied.map((r) => r.code)).toEqual(['FORBIDDEN', 'KEY_REVOKED', 'PURPOSE_NOT_ALLOWED', 'PURPOSE_REQUIRED', 'UNAUTHENTICATED']);
  });

  it('no route reads Authorization itself: only src/access/requestAccess.ts does (a path in quotes, such as the redaction list of the logger, is no read)', () => {
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const readers = files('src').filter((f) => /(?<!['"\w.])(\w+\.)?headers\.authorization|headers\[['"]authorization['"]\]|Bearer\\s/.test(fs.readFileSync(f, 'utf8')));
    expect(readers).toEqual([path.join('src', 'access', 'requestAccess.ts')]);
  });
});

describe('the per-key rate limit', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ env: { CALYPSO_RATE_LIMIT_PER_KEY: '5' } });
    expect((await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { createSite(id: "${A}", name: "a", hostnames: ["${A}.example"]) { id } }`)).errors).toBeUndefined();
  });
  afterAll(() => svc?.stop());

  it('answers 429 RATE_LIMITED with Retry-After on the REST routes and on /graphql once a key is over its rate', async () => {
    const { secret } = await made(svc, [A], ['ADVERTISING']);
    const headers = { authorization: `Bearer ${secret}`, 'x-calypso-purpose': 'ADVERTISING' };
    const rest = await Promise.all(Array.from({ length: 12 }, () => fetch(`${svc.url}/v1/segments?site=${A}&cookie=c1`, { headers })));
    const limited = rest.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited[0]!.json()) as { code: string }).code).toBe('RATE_LIMITED');
    const graphql = await Promise.all(Array.from({ length: 10 }, () => svc.gql(secret, 'ADVERTISING', `{ segmentsForCookie(site: "${A}", cookieId: "c1") }`)));
    const over = graphql.filter((r) => r.status === 429);
    expect(over.length).toBeGreaterThan(0);
    expect(over[0]!.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    const raw = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${svc.url}/graphql`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query: `mutation { deleteSegment(id: "seg_x") }` }) }),
      ),
    );
    const refused = raw.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another key is not held back by this one's rate.
    const other = await made(svc, [A], ['ADVERTISING']);
    expect((await fetch(`${svc.url}/v1/segments?site=${A}&cookie=c1`, { headers: { ...headers, authorization: `Bearer ${other.secret}` } })).status).toBe(200);
  });
});
