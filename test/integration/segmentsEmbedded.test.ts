// The embedded default (no Redis): the index lives in process memory, so a restart starts it empty and
// it is rebuilt from segment_members (look-ups answer from ClickHouse meanwhile); definitions and versions survive.
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, siteWithKey, startTestService, tempDir, type TestService } from '../support/testService.ts';

describe('segments in the embedded default', () => {
  const dataDir = tempDir();
  let svc: TestService | undefined;
  afterAll(async () => {
    await svc?.stop();
  });

  it('look-ups answer from memory, and again after a restart, without a new refresh', async () => {
    svc = await startTestService({ dataDir });
    expect(svc.store.mode).toBe('embedded');
    const key = await siteWithKey(svc, 'embedded', ['ADVERTISING']);
    await svc.collect({ site: 'embedded', url: 'https://embedded.example/a', cid: 'c1', consent: { statistics: true, advertising: true } });
    await svc.flush();
    const defined = await svc.gql<{ defineSegment: { id: string } }>(key, 'ADVERTISING', 'mutation { defineSegment(site: "embedded", name: "a", rule: { visited: { path: { equals: "/a" } } }) { id } }');
    const id = defined.data!.defineSegment.id;
    const refreshed = await svc.gql<{ refreshSegment: { status: string } }>(key, 'ADVERTISING', `mutation { refreshSegment(id: "${id}") { status } }`);
    expect(refreshed.data?.refreshSegment.status).toBe('LIVE');
    const lookup = async () => (await svc!.gql<{ segmentsForCookie: string[] }>(key, 'ADVERTISING', '{ segmentsForCookie(site: "embedded", cookieId: "c1") }')).data?.segmentsForCookie;
    expect(await lookup()).toEqual([id]);
    const version = (await svc.store.query<{ v: string }>('SELECT live_version AS v FROM segment_state FINAL WHERE id = {id:String}', { id }))[0]!.v;

    await svc.stop();
    svc = await startTestService({ dataDir });
    // Right at once: from ClickHouse (degraded) until the empty index is rebuilt, never a silent [].
    expect(await lookup()).toEqual([id]);
    const degraded = async () => (await fetch(`${svc!.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'x-calypso-purpose': 'ADVERTISING', 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ segmentsForCookie(site: "embedded", cookieId: "c1") }' }) })).headers.get('x-calypso-degraded');
    expect(await eventually(degraded, (d) => d === null)).toBeNull();
    expect(await lookup()).toEqual([id]);
    const after = (await svc.store.query<{ v: string }>('SELECT live_version AS v FROM segment_state FINAL WHERE id = {id:String}', { id }))[0]!.v;
    expect(after).toBe(version); // rebuilt from the stored version, not refreshed
  });
});
