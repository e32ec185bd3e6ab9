// Limits on what one GraphQL request may ask, each refused with QUERY_TOO_COMPLEX before any work;
// introspection in production only under ADMINISTRATION.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteWithKey, startTestService, type TestService } from '../support/testService.ts';

describe('query limits', () => {
  let svc: TestService;
  let key: string;
  beforeAll(async () => {
    svc = await startTestService({ env: { NODE_ENV: 'production' } });
    key = await siteWithKey(svc, 'shop', ['STATISTICS']);
  });
  afterAll(() => svc?.stop());

  const code = async (query: string, k = key, purpose = 'STATISTICS') => {
    const r = await svc.gql(k, purpose, query);
    expect(r.data ?? null).toBeNull();
    return r.errors?.map((e) => e.extensions?.code);
  };

  it('refuses a deep query, a thousand aliases, too many tokens and a fragment bomb', async () => {
    const normal = `{ sites { ...F } } fragment F on Site { id name }`;
    expect((await svc.gql(key, 'STATISTICS', normal)).errors).toBeUndefined();
    const nested = `{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }`;
    expect(await code(nested)).toEqual(['QUERY_TOO_COMPLEX']);
    const aliases = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: sites { id }`).join(' ')} }`;
    expect(await code(aliases)).toEqual(['QUERY_TOO_COMPLEX']);
    const tokens = `{ sites { ${'id '.repeat(3000)} } }`;
    expect(await code(tokens)).toEqual(['QUERY_TOO_COMPLEX']);
    const bomb = `{ sites { ...A } } fragment A on Site { ...B ...B ...B ...B } fragment B on Site { ...C ...C ...C ...C } fragment C on Site { ...D ...D ...D ...D } fragment D on Site { ...E ...E ...E ...E } fragment E on Site { id name hostnames timezone }`;
    expect(await code(bomb)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('refuses a year of hourly buckets', async () => {
    const year = `{ stats(site: "shop", from: "2025-12-01", to: "2026-11-30") { rows { time(interval: HOUR) pageviews } } }`;
    expect(await code(year)).toEqual(['QUERY_TOO_COMPLEX']);
    const daily = await svc.gql(key, 'STATISTICS', year.replace('HOUR', 'DAY'));
    expect(daily.errors).toBeUndefined();
  });

  it('answers automatic persisted queries by hash once registered', async () => {
    const query = '{ sites { id } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const send = async (body: object) => {
      const res = await fetch(`${svc.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-calypso-purpose': 'STATISTICS' },
        body: JSON.stringify(body),
      });
      return (await res.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
    };
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    expect((await send({ extensions })).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await send({ query, extensions })).data).toEqual({ sites: [{ id: 'shop' }] });
    expect((await send({ extensions })).data).toEqual({ sites: [{ id: 'shop' }] });
  });

  it('allows introspection in production only to an ADMINISTRATION key', async () => {
    expect(await code('{ __schema { queryType { name } } }')).toEqual(['FORBIDDEN']);
    const admin = await svc.gql<{ __schema: { queryType: { name: string } } }>(svc.adminKey, 'ADMINISTRATION', '{ __schema { queryType { name } } }');
    expect(admin.errors).toBeUndefined();
    expect(admin.data?.__schema.queryType.name).toBe('Query');
  });
});
