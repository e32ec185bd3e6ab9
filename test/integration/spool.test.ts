// The spool against the real engine: a replayed segment is not doubled; damage is set aside, the rest delivered.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { Spool } from '../../src/pipeline/spool.ts';
import { startSpoolDeliverer } from '../../src/pipeline/spoolDeliverer.ts';
import { HEADER_BYTES } from '../../src/pipeline/spoolRecord.ts';
import type { EventStore } from '../../src/store/eventStore.ts';
import { openMigratedStore, tempDir } from '../support/testService.ts';

const row = (eid: string) => ({ site: 'shop', ts: '2026-11-24 10:00:00.000', event_id: eid, pid: '42', type: 'pageview', host: 'shop.example', path: '/', retention_days: 30 });
const payload = (...eids: string[]) => Buffer.from(eids.map((e) => `${JSON.stringify(row(e))}\n`).join(''));
const log = createLogger({ logLevel: 'silent' });

describe('spool delivery', () => {
  let store: EventStore;
  beforeAll(async () => {
    store = await openMigratedStore();
  });
  afterAll(() => store?.close());

  const countOf = async (prefix: string) =>
    Number((await store.query<{ n: string }>('SELECT count() AS n FROM events WHERE startsWith(event_id, {p:String})', { p: prefix }))[0]?.n);

  it('a segment replayed after a crash between insert and delete is not doubled', async () => {
    const dir = tempDir();
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    await Promise.all([spool.append(payload('r-1', 'r-2')), spool.append(payload('r-3'))]);
    await spool.rotate();
    const seg = spool.peek()!;
    const copy = fs.readFileSync(seg.file);
    const d = startSpoolDeliverer(spool, store, { table: 'events', flushIntervalMs: 60_000 }, log, createMetrics());
    await d.flush();
    await d.close();
    expect(fs.existsSync(seg.file)).toBe(false);
    expect(await countOf('r-')).toBe(3);

    fs.writeFileSync(seg.file, copy); // as if the process died before deleting it
    const again = await Spool.open({ dir, maxBytes: 1 << 30 });
    expect(again.peek()?.token).toBe(seg.token);
    const d2 = startSpoolDeliverer(again, store, { table: 'events', flushIntervalMs: 60_000 }, log, createMetrics());
    await d2.flush();
    await d2.close();
    expect(await countOf('r-')).toBe(3);
    expect(again.pendingBytes).toBe(0);
  });

  it('never reuses a token in a new run, so its first segment is not taken for the last run\'s', async () => {
    const dir = tempDir();
    for (const eid of ['n-1', 'n-2']) {
      const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
      await spool.append(payload(eid));
      const d = startSpoolDeliverer(spool, store, { table: 'events', flushIntervalMs: 60_000 }, log, createMetrics());
      await d.flush();
      await d.close();
    }
    expect(await countOf('n-')).toBe(2);
  });

  it('delivers every intact record of a damaged spool, sets the damage aside and counts it', async () => {
    const dir = tempDir();
    const writer = await Spool.open({ dir, maxBytes: 1 << 30 });
    await writer.append(payload('d-1'));
    await writer.append(payload('d-2')); // its payload gets a flipped byte
    await writer.append(payload('d-3'));
    await writer.rotate();
    const flipped = writer.peek()!.file;
    await writer.append(payload('d-4'));
    await writer.append(payload('d-5', 'd-6')); // cut mid-record below
    await writer.close();
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
    const torn = path.join(dir, files[1]!);

    const buf = fs.readFileSync(flipped);
    const first = HEADER_BYTES + payload('d-1').length;
    buf[first + HEADER_BYTES + 10] = buf[first + HEADER_BYTES + 10]! ^ 0xff;
    fs.writeFileSync(flipped, buf);
    const tornBuf = fs.readFileSync(torn);
    fs.writeFileSync(torn, tornBuf.subarray(0, tornBuf.length - 20));

    const metrics = createMetrics();
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    const d = startSpoolDeliverer(spool, store, { table: 'events', flushIntervalMs: 60_000 }, log, metrics);
    await d.flush();
    await d.close();
    const got = await store.query<{ event_id: string }>("SELECT event_id FROM events WHERE startsWith(event_id, 'd-') ORDER BY event_id");
    expect(got.map((r) => r.event_id)).toEqual(['d-1', 'd-3', 'd-4']);
    expect(fs.readdirSync(path.join(dir, 'damaged'))).toHaveLength(1);
    expect(await metrics.registry.getSingleMetricAsString('calypso_spool_damaged_records_total')).toMatch(/ 1$/m);
  });

  it('sets aside only the record ClickHouse refuses, and delivers the rest of its segment', async () => {
    const dir = tempDir();
    const metrics = createMetrics();
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    await spool.append(payload('f-1'));
    await spool.append(Buffer.from('{"site":"shop","ts":"2026-11-24 10:00:00.000","event_id":"f-bad\\ud800","path":"/"}\n'));
    await spool.append(payload('f-2', 'f-3'));
    const d = startSpoolDeliverer(spool, store, { table: 'events', flushIntervalMs: 60_000 }, log, metrics);
    await d.flush();
    await d.close();
    const got = await store.query<{ event_id: string }>("SELECT event_id FROM events WHERE startsWith(event_id, 'f-') ORDER BY event_id");
    expect(got.map((r) => r.event_id)).toEqual(['f-1', 'f-2', 'f-3']);
    expect(fs.readdirSync(path.join(dir, 'failed')).sort()).toEqual([expect.stringMatching(/-1\.ndjson$/), expect.stringMatching(/-1\.reason$/)]);
    expect(await metrics.registry.getSingleMetricAsString('calypso_spool_failed_records_total')).toMatch(/ 1$/m);
  });

  it('refuses appends over its disk budget and takes them again once delivered', async () => {
    const dir = tempDir();
    const one = payload('b-1');
    const spool = await Spool.open({ dir, maxBytes: (HEADER_BYTES + one.length) * 2 });
    await spool.append(one);
    await spool.append(payload('b-2'));
    await expect(spool.append(payload('b-3'))).rejects.toThrow(/disk budget/);
    const d = startSpoolDeliverer(spool, store, { table: 'events', flushIntervalMs: 60_000 }, log, createMetrics());
    await d.flush();
    await spool.append(payload('b-3'));
    await d.flush();
    await d.close();
    expect(await countOf('b-')).toBe(3);
  });

  it('holds reserved room against other appends, and takes the holder\'s record even past the budget', async () => {
    const one = payload('v-1');
    const spool = await Spool.open({ dir: tempDir(), maxBytes: (HEADER_BYTES + one.length) * 2 });
    const room = spool.reserve(one.length)!;
    expect(room).toBeDefined();
    // One record's room is left, and a second reservation takes it.
    const other = spool.reserve(one.length)!;
    expect(other).toBeDefined();
    expect(spool.reserve(one.length)).toBeUndefined();
    expect(spool.fits(one.length)).toBe(false);
    await expect(spool.append(payload('v-2'))).rejects.toThrow(/disk budget/);
    other.release();
    other.release(); // a second release frees nothing more
    await spool.append(payload('v-2'));
    expect(spool.fits(one.length)).toBe(false);
    // The holder's record is larger than its room and the spool is full: admitted, it is kept all the same.
    await spool.append(payload('v-3', 'v-4'), [], room);
    expect(spool.pendingBytes).toBeGreaterThan((HEADER_BYTES + one.length) * 2);
    // Its room went with the append: nothing is held now.
    for (let seg = (await spool.rotate(), spool.peek()); seg !== undefined; seg = spool.peek()) spool.forget(seg);
    expect(spool.fits((HEADER_BYTES + one.length) * 2 - HEADER_BYTES)).toBe(true);
    await spool.close();
  });
});
