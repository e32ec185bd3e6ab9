// The prepared-query path answers exactly as Apollo does. A request carrying Apollo's persisted-query
// extension (with the right hash) always goes through Apollo, so each case is sent both ways and the
// status, body and audit rows compared.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteWithKey, startTestService, type TestService } from '../support/testService.ts';

describe('prepared queries', () => {
  let svc: TestService;
  let stats: string;
  let ads: string;

  const send = async (key: string, purpose: string, query: string, variables: unknown, viaApollo: boolean, operationName?: string) => {
    const extensions = viaApollo ? { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } } : undefined;
    const res = await fetch(`${svc.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-calypso-purpose': purpose },
      body: JSON.stringify({ query, variables, operationName, extensions }),
    });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  };

  const paths = async () => {
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    const n = (path: string) => Number(new RegExp(`calypso_graphql_requests_by_path_total\\{path="${path}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    return { prepared: n('prepared'), apollo: n('apollo') };
  };

  beforeAll(async () => {
    svc = await startTestService();
    stats = await siteWithKey(svc, 'prep', ['STATISTICS'], ', kAnonymity: 2');
    ads = await siteWithKey(svc, 'prepads', ['ADVERTISING']);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const today = new Date().toISOString().slice(0, 10);
  it.each([
    ['an answer', () => stats, 'STATISTICS', '{ sites { id kAnonymity } }', undefined, undefined],
    ['variables', () => stats, 'STATISTICS', 'query($s: ID!, $f: String!) { stats(site: $s, from: $f, to: $f) { totals { pageviews } suppressedRows } }', { s: 'prep', f: today }, undefined],
    ['a named operation among two', () => stats, 'STATISTICS', 'query A { sites { id } } query B { sites { name } }', undefined, 'B'],
    ['BAD_USER_INPUT', () => stats, 'STATISTICS', `{ stats(site: "prep", from: "${today}", to: "${today}", limit: 0) { suppressedRows } }`, undefined, undefined],
    ['NOT_FOUND with partial data', () => stats, 'STATISTICS', '{ sites { id } realtime(site: "nope") { visitors } }', undefined, undefined],
    ['UNAUTHENTICATED (401)', () => 'not-a-key', 'STATISTICS', '{ sites { id } }', undefined, undefined],
    ['PURPOSE_NOT_ALLOWED', () => stats, 'ADVERTISING', '{ sites { id } }', undefined, undefined],
    ['FORBIDDEN', () => stats, 'STATISTICS', '{ realtime(site: "prepads") { visitors } }', undefined, undefined],
    ['a look-up', () => ads, 'ADVERTISING', '{ segmentsForCookie(site: "prepads", cookieId: "c1") }', undefined, undefined],
    ['variables that do not coerce (Apollo answers both)', () => stats, 'STATISTICS', 'query($s: ID!) { realtime(site: $s) { visitors } }', { s: 5.5 }, undefined],
  ])('%s: the same status and body either way', async (name, key, purpose, query, variables, operationName) => {
    const before = await paths();
    const direct = await send(key(), purpose, query, variables, false, operationName);
    const middle = await paths();
    const apollo = await send(key(), purpose, query, variables, true, operationName);
    const after = await paths();
    expect(direct).toEqual(apollo);
    // The first went the prepared way (unless its variables do not coerce), the second through Apollo.
    const coerces = !name.startsWith('variables that do not coerce');
    expect(middle.prepared - before.prepared).toBe(coerces ? 1 : 0);
    expect(after.apollo - middle.apollo).toBe(1);
    expect(direct.type).toBe('application/json; charset=utf-8');
    expect(direct.body).toMatch(/}\n$/); // one newline, as Apollo ends its answers
  });

  it('a client asking for application/graphql-response+json gets it, from Apollo', async () => {
    const before = await paths();
    const res = await fetch(`${svc.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json;q=0.9', authorization: `Bearer ${stats}`, 'x-calypso-purpose': 'STATISTICS' },
      body: JSON.stringify({ query: '{ sites { id kAnonymity } }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
    expect(await res.json()).toEqual({ data: { sites: [{ id: 'prep', kAnonymity: 2 }] } });
    const after = await paths();
    expect([after.prepared - before.prepared, after.apollo - before.apollo]).toEqual([0, 1]);
  });

  it('both ways are audited alike', async () => {
    const query = '{ sites { id name } }';
    await send(stats, 'STATISTICS', query, undefined, false);
    await send(stats, 'STATISTICS', query, undefined, true);
    await svc.flush();
    const day = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
    const log = await svc.gql<{ auditLog: Array<{ fields: string[]; outcome: string; rows: number; purpose: string }> }>(
      svc.adminKey,
      'ADMINISTRATION',
      `{ auditLog(from: "${day(-1)}", to: "${day(1)}", limit: 1000) { fields outcome rows purpose } }`,
    );
    const rows = log.data!.auditLog.filter((r) => r.fields.join() === 'Query.sites' && r.purpose === 'STATISTICS' && r.outcome === 'allowed' && r.rows === 1);
    expect(rows.length).toBeGreaterThanOrEqual(2);
  });
});
