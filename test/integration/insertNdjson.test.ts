// The embedded engine's insert of spooled rows as bytes (chDB's raw insert): the dedup token is the insert's
// own, a refused row is a StoreError that says so, and the rows are stored as the client's insert stored them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/store/eventStore.ts';
import { StoreError } from '../../src/store/storeError.ts';
import { openMigratedStore } from '../support/testService.ts';

const row = (eid: string, path = '/') => ({ site: 'raw', ts: '2026-11-24 10:00:00.000', event_id: eid, pid: '18446744073709551615', type: 'pageview', host: 'raw.example', path, retention_days: 30 });
const lines = (...rows: object[]) => Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));

describe('insertNdjson into the embedded engine', () => {
  let store: EventStore;
  beforeAll(async () => {
    store = await openMigratedStore();
  });
  afterAll(() => store?.close());

  const stored = (prefix: string) =>
    store.query<{ event_id: string; pid: string; path: string }>('SELECT event_id, pid, path FROM events WHERE startsWith(event_id, {p:String}) ORDER BY event_id', { p: prefix });

  it('stores the bytes as they are, unicode and escapes included, and drops a repeat under the same token', async () => {
    const odd = '/é😀"q\\b\u2028';
    await store.insertNdjson('events', lines(row('a-1'), row('a-2', odd)), 'tok-a');
    await store.insertNdjson('events', lines(row('a-1'), row('a-2', odd)), 'tok-a');
    expect(await stored('a-')).toEqual([
      { event_id: 'a-1', pid: '18446744073709551615', path: '/' },
      { event_id: 'a-2', pid: '18446744073709551615', path: odd },
    ]);
  });

  it('takes the same rows again under another token (the token, not the rows, names the insert)', async () => {
    await store.insertNdjson('events', lines(row('b-1')), 'tok-b1');
    await store.insertNdjson('events', lines(row('b-1')), 'tok-b2');
    expect(await stored('b-')).toHaveLength(2);
  });

  it('answers a row the engine refuses with a StoreError that is not retryable', async () => {
    const bad = Buffer.from('{"site":"raw","ts":"not a time","event_id":"c-1"}\n');
    const err = await store.insertNdjson('events', bad, 'tok-c').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).retryable).toBe(false);
    expect((err as StoreError).code).toMatch(/^\d+$/);
    expect(await stored('c-')).toEqual([]);
  });
});
