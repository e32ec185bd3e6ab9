// The embedded engine's insert of spooled rows as bytes (from a file the engine reads, or chDB's raw insert
// when that file cannot be written): the dedup token is the insert's own, a refused row is a StoreError that
// says so, and the rows are stored as the client's insert stored them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT_FILES_DIR, type EventStore } from '../../src/store/eventStore.ts';
import { StoreError } from '../../src/store/storeError.ts';
import { openMigratedStore, tempDir } from '../support/testService.ts';

const row = (eid: string, path = '/') => ({ site: 'raw', ts: '2026-11-24 10:00:00.000', event_id: eid, pid: '18446744073709551615', type: 'pageview', host: 'raw.example', path, retention_days: 30 });
const lines = (...rows: object[]) => Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));

describe('insertNdjson into the embedded engine', () => {
  let store: EventStore;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDir();
    // A file left by a run that crashed mid-insert: removed when the store opens.
    fs.mkdirSync(path.join(dataDir, INSERT_FILES_DIR), { recursive: true });
    fs.writeFileSync(path.join(dataDir, INSERT_FILES_DIR, 'events-7.ndjson'), '{}\n');
    store = await openMigratedStore(dataDir);
  });
  afterAll(() => store?.close());

  const stored = (prefix: string) =>
    store.query<{ event_id: string; pid: string; path: string }>('SELECT event_id, pid, path FROM events WHERE startsWith(event_id, {p:String}) ORDER BY event_id', { p: prefix });

  it('stores the bytes as they are, unicode and escapes included, and drops a repeat under the same token', async () => {
    const odd = '/é😀"q\\b\u2028\t\n\r\u0000\'\u007f\u{10ffff}\\t{}[]#';
    await store.insertNdjson('events', lines(row('a-1'), row('a-2', odd)), 'tok-a');
    await store.insertNdjson('events', lines(row('a-1'), row('a-2', odd)), 'tok-a');
    expect(await stored('a-')).toEqual([
      { event_id: 'a-1', pid: '18446744073709551615', path: '/' },
      { event_id: 'a-2', pid: '18446744073709551615', path: odd },
    ]);
    expect(fs.readdirSync(path.join(dataDir, INSERT_FILES_DIR))).toEqual([]);
  });

  it('has the engine read the rows from their file, which is gone once they are in', async () => {
    const command = store.client.command.bind(store.client);
    const statements: string[] = [];
    const spy = (p: Parameters<typeof command>[0]) => (statements.push(p.query), command(p));
    Object.assign(store.client, { command: spy });
    try {
      await store.insertNdjson('events', lines(row('f-1')), 'tok-f');
    } finally {
      Object.assign(store.client, { command });
    }
    expect(statements).toEqual([expect.stringMatching(/^INSERT INTO events SELECT \* FROM file\(/)]);
    expect(await stored('f-')).toHaveLength(1);
    expect(fs.readdirSync(path.join(dataDir, INSERT_FILES_DIR))).toEqual([]);
  });

  it('inserts the rows another way when their file cannot be written', async () => {
    const dir = path.join(dataDir, INSERT_FILES_DIR);
    fs.rmSync(dir, { recursive: true });
    try {
      await store.insertNdjson('events', lines(row('d-1', '/d\t')), 'tok-d');
      await store.insertNdjson('events', lines(row('d-1', '/d\t')), 'tok-d');
    } finally {
      fs.mkdirSync(dir, { mode: 0o700 });
    }
    expect(await stored('d-')).toEqual([{ event_id: 'd-1', pid: '18446744073709551615', path: '/d\t' }]);
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
