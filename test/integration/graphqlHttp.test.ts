// /graphql as an HTTP endpoint, in production and then in development on the same data: no schema
// details in errors (production), refusals never 5xx, GET queries (GraphQL over HTTP, graphql-http's
// audits), deep inputs and subscriptions answered as client errors on every path.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteWithKey, startTestService, tempDir, type TestService } from '../support/testService.ts';

const dataDir = tempDir();
let svc: TestService;
let stats: string; // a STATISTICS key of site "shop"
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

interface Answer {
  status: number;
  text: string;
  codes: unknown[];
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let codes: unknown[];
  try {
    codes = ((JSON.parse(text) as { errors?: Array<{ extensions?: { code?: unknown } }> }).errors ?? []).map((e) => e.extensions?.code);
  } catch {
    codes = ['(not JSON)'];
  }
  return { status: res.status, text, codes };
}

const auth = (key: string | undefined, purpose: string | undefined): Record<string, string> => ({
  ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
  ...(purpose === undefined ? {} : { 'x-calypso-purpose': purpose }),
});

/** A POST of raw JSON text, the way a client would send it (a 10 000-deep value cannot be JSON.stringify'd here). */
const postText = async (body: string, key: string | undefined = stats, purpose: string | undefined = 'STATISTICS') =>
  answer(await fetch(`${svc.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth(key, purpose) }, body }));

const post = (query: string, variables?: unknown, key?: string, purpose?: string, viaApollo = false) => {
  // The persisted-query extension (with the right hash) sends a query through Apollo, never the prepared path.
  const extensions = viaApollo ? { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } } : undefined;
  return postText(JSON.stringify({ query, variables, extensions }), key ?? stats, purpose ?? 'STATISTICS');
};

const get = async (params: Record<string, string>, headers: Record<string, string> = auth(stats, 'STATISTICS')) =>
  answer(await fetch(`${svc.url}/graphql?${new URLSearchParams(params).toString()}`, { headers }));

// Misspelt names graphql-js has a guess for: a field, an argument, a type, an enum value (literal and
// variable), an input field (variable).
const MISSPELT: Array<[string, string, Record<string, unknown>?]> = [
  ['field', '{ sitez { id } }'],
  ['nested field', '{ sites { idd } }'],
  ['argument', '{ realtime(sitee: "shop") { visitors } }'],
  ['type', 'query($s: Strin!) { realtime(site: $s) { visitors } }', { s: 'shop' }],
  ['enum value', '{ stats(site: "shop", from: "2026-01-01", to: "2026-01-02") { rows { time(interval: HOURR) } } }'],
  ['enum value in a variable', 'query($f: [StatsFilter!]) { stats(site: "shop", from: "2026-01-01", to: "2026-01-02", filter: $f) { suppressedRows } }', { f: [{ dimension: 'PATHH', op: 'EQ', values: ['/'] }] }],
  ['input field in a variable', 'query($f: [StatsFilter!]) { stats(site: "shop", from: "2026-01-01", to: "2026-01-02", filter: $f) { suppressedRows } }', { f: [{ dimensionn: 'PATH', op: 'EQ', values: ['/'] }] }],
];

/** Nested `[` (or `{"a":` objects) `depth` deep around 1, as JSON or GraphQL text. */
const deepList = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deepRule = (depth: number) => `${'{"not":'.repeat(depth)}{"lastSeen":{"withinDays":1}}${'}'.repeat(depth)}`;
const FILTER_QUERY = 'query($f: [StatsFilter!]) { stats(site: "shop", from: "2026-01-01", to: "2026-01-02", filter: $f) { suppressedRows } }';

/** A client error with a code, not an internal one. */
function refused(a: Answer, codes: readonly string[] = ['BAD_USER_INPUT', 'QUERY_TOO_COMPLEX', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']) {
  expect(a.status, a.text).toBeGreaterThanOrEqual(400);
  expect(a.status, a.text).toBeLessThan(500);
  expect(a.codes.length, a.text).toBeGreaterThan(0);
  for (const code of a.codes) expect(codes, a.text).toContain(code);
  expect(a.text).not.toMatch(/call stack|INTERNAL_SERVER_ERROR/);
}

/** graphql-http's server audits, every request carrying the key and purpose. */
async function audit(key: string, purpose: string) {
  const fetchFn = (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(auth(key, purpose))) headers.set(k, v);
    return fetch(input, { ...init, headers });
  };
  const results = await auditServer({ url: `${svc.url}/graphql`, fetchFn });
  return {
    errors: results.flatMap((r) => (r.status === 'error' ? [`${r.id} ${r.name}: ${r.reason}`] : [])),
    warns: results.flatMap((r) => (r.status === 'warn' ? [r.id] : [])).sort(),
    // 5A70, "MAY accept application/x-www-form-urlencoded formatted GET requests": a GET query.
    get: results.find((r) => r.id === '5A70')?.status,
  };
}
// The warns README.md ("GraphQL over HTTP") explains: Apollo answers 400 to parse, validation and
// variable-coercion failures even under Accept: application/json, where the spec would prefer 200.
const EXPECTED_WARNS = ['572B', '7B9B', 'FDE2'];

describe('in production', () => {
  beforeAll(async () => {
    svc = await startTestService({ dataDir, env: { NODE_ENV: 'production' } });
    stats = await siteWithKey(svc, 'shop', ['STATISTICS']);
  });
  afterAll(() => svc?.stop());

  it.each(MISSPELT)('no "Did you mean" for a misspelt %s, with or without a key, on either path', async (_, query, variables) => {
    for (const [key, purpose] of [[stats, 'STATISTICS'], [undefined, undefined], [svc.adminKey, 'ADMINISTRATION']] as const) {
      for (const viaApollo of [false, true]) {
        const a = await post(query, variables, key, purpose, viaApollo);
        refused(a, ['GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);
        expect(a.text).not.toMatch(/did you mean/i);
      }
    }
  });

  it('refuses introspection to any but a declared ADMINISTRATION key with 403 FORBIDDEN, never a 5xx', async () => {
    for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "Site") { name } }']) {
      for (const a of [await post(query), await post(query, undefined, svc.adminKey, 'STATISTICS'), await get({ query })]) {
        expect([a.status, a.codes], a.text).toEqual([403, ['FORBIDDEN']]);
      }
      const admin = await post(query, undefined, svc.adminKey, 'ADMINISTRATION');
      expect([admin.status, admin.codes], admin.text).toEqual([200, []]);
    }
  });

  it('answers a GET query carrying the purpose header; refuses a GET mutation and a GET without it', async () => {
    const ok = await get({ query: 'query($s: ID!) { realtime(site: $s) { visitors } }', variables: JSON.stringify({ s: 'shop' }) });
    expect([ok.status, JSON.parse(ok.text)], ok.text).toEqual([200, { data: { realtime: { visitors: 0 } } }]);
    const mutation = await get({ query: 'mutation { createSite(id: "viaget", name: "x", hostnames: ["viaget.example"]) { id } }' }, auth(svc.adminKey, 'ADMINISTRATION'));
    expect(mutation.status, mutation.text).toBe(405);
    expect((await post('{ sites { id } }', undefined, svc.adminKey, 'ADMINISTRATION')).text).not.toContain('viaget');
    // A browser's cross-site GET carries no such header: still refused as a possible CSRF.
    const bare = await get({ query: '{ __typename }' }, { authorization: `Bearer ${stats}` });
    expect([bare.status, bare.codes], bare.text).toEqual([400, ['BAD_REQUEST']]);
  });

  it("passes graphql-http's server audits with no error; the warns are the README's", async () => {
    // An ADMINISTRATION key: some audits introspect (`__type`), which production allows only to one.
    expect(await audit(svc.adminKey, 'ADMINISTRATION')).toEqual({ errors: [], warns: EXPECTED_WARNS, get: 'ok' });
  });

  it('refuses 10 000-deep inputs with a client error before anything recurses, on every path', async () => {
    const cases: Array<[string, () => Promise<Answer>]> = [
      ['a deep list variable', () => postText(`{"query":${JSON.stringify(FILTER_QUERY)},"variables":{"f":${deepList(10_000)}}}`)],
      ['a deep object variable', () => postText(`{"query":${JSON.stringify(FILTER_QUERY)},"variables":{"f":${deepObject(10_000)}}}`)],
      ['a deep segment rule', () => postText(`{"query":"mutation($r: SegmentRuleInput!) { defineSegment(site: \\"shop\\", name: \\"x\\", rule: $r) { id } }","variables":{"r":${deepRule(10_000)}}}`, svc.adminKey, 'ADMINISTRATION')],
      ['an unused deep variable', () => postText(`{"query":"{ sites { id } }","variables":{"x":${deepList(10_000)}}}`)],
      ['deep extensions', () => postText(`{"query":"{ sites { id } }","extensions":{"x":${deepObject(10_000)}}}`)],
      ['a deep JSON body', () => postText(deepList(10_000))],
      ['a deep list literal', () => post(`{ realtime(site: ${deepList(10_000)}) { visitors } }`)],
      ['a deep list literal under the token limit', () => post(`{ realtime(site: ${deepList(900)}) { visitors } }`)],
      ['a deep object literal', () => post(`{ stats(site: "shop", from: "x", to: "y", filter: ${'{a:'.repeat(10_000)}1${'}'.repeat(10_000)}) { suppressedRows } }`)],
      ['a deep selection', () => post(`{ ${'sites { '.repeat(10_000)}id${' }'.repeat(10_000)} }`)],
      ['a deep selection through Apollo', () => post(`{ ${'sites { '.repeat(10_000)}id${' }'.repeat(10_000)} }`, undefined, undefined, undefined, true)],
      // A GET's URL stops at Node's 16 KiB header limit (431 beyond): 1 000 or 2 000 levels fit.
      ['a GET deep query', () => get({ query: `{ realtime(site: ${deepList(2_000)}) { visitors } }` })],
      ['a GET deep variable', () => get({ query: FILTER_QUERY, variables: `{"f":${deepList(2_000)}}` })],
      ['GET deep extensions', () => get({ query: '{ sites { id } }', extensions: deepObject(1_000) })],
    ];
    for (const [name, send] of cases) {
      const a = await send();
      expect(a.text, name).toMatch(/nests deeper than/);
      refused(a);
    }
    // Still serving, and a legitimately deep rule (8 levels, the most segmentRule allows) is not refused.
    let rule = '{"lastSeen":{"withinDays":1}}';
    for (let i = 0; i < 7; i++) rule = `{"all":[${rule}]}`;
    const ok = await postText(`{"query":"mutation($r: SegmentRuleInput!) { defineSegment(site: \\"shop\\", name: \\"deep\\", rule: $r) { id } }","variables":{"r":${rule}}}`, svc.adminKey, 'ADMINISTRATION');
    expect([ok.status, ok.codes], ok.text).toEqual([200, []]);
  });

  it('answers a subscription as a client error, POST or GET', async () => {
    for (const a of [await post('subscription { sites { id } }'), await post('subscription { sites { id } }', undefined, undefined, undefined, true), await get({ query: 'subscription { sites { id } }' })]) {
      refused(a, ['GRAPHQL_VALIDATION_FAILED']);
      expect(a.text).toContain('subscriptions are not supported');
    }
  });
});

describe('in development', () => {
  beforeAll(async () => {
    svc = await startTestService({ dataDir, env: { NODE_ENV: 'development' } });
  });
  afterAll(() => svc?.stop());

  it('keeps the suggestions, which help while writing queries', async () => {
    for (const [, query, variables] of MISSPELT) expect((await post(query, variables)).text).toMatch(/Did you mean/);
  });

  it('allows introspection, answers GET queries, and refuses deep inputs and subscriptions alike', async () => {
    const schema = await post('{ __schema { queryType { name } } }');
    expect([schema.status, schema.codes], schema.text).toEqual([200, []]);
    expect((await get({ query: '{ sites { id } }' })).status).toBe(200);
    refused(await postText(`{"query":${JSON.stringify(FILTER_QUERY)},"variables":{"f":${deepList(10_000)}}}`));
    refused(await post(`{ realtime(site: ${deepList(10_000)}) { visitors } }`));
    refused(await post('subscription { sites { id } }'), ['GRAPHQL_VALIDATION_FAILED']);
  });

  it("passes graphql-http's server audits with a STATISTICS key", async () => {
    expect(await audit(stats, 'STATISTICS')).toEqual({ errors: [], warns: EXPECTED_WARNS, get: 'ok' });
  });
});
