// What a spool set aside comes back with `calypso spool redeliver`, once, under the tokens it had; a
// stop delivers only until its deadline and leaves the rest spooled for the next start, delivered once.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { redeliverTable } from '../../src/pipeline/redeliver.ts';
import { Spool } from '../../src/pipeline/spool.ts';
import { startSpoolDeliverer } from '../../src/pipeline/spoolDeliverer.ts';
import type { EventStore } from '../../src/store/eventStore.ts';
import { openMigratedStore, tempDir } from '../support/testService.ts';

const row = (eid: string) => ({ site: 'shop', ts: '2026-11-24 10:00:00.000', event_id: eid, pid: '42', type: 'pageview', host: 'shop.example', path: '/', retention_days: 30 });
const payload = (...eids: string[]) => Buffer.from(eids.map((e) => `${JSON.stringify(row(e))}\n`).join(''));
const log = createLogger({ logLevel: 'silent' });

describe('set-aside spool data and bounded stops', () => {
  let store: EventStore;
  beforeAll(async () => {
    store = await openMigratedStore();
  });
  afterAll(() => store?.close());

  const counts = async (prefix: string) =>
    Object.fromEntries((await store.query<{ event_id: string; n: string }>('SELECT event_id, count() AS n FROM events WHERE startsWith(event_id, {p:String}) GROUP BY event_id ORDER BY event_id', { p: prefix })).map((r) => [r.event_id, Number(r.n)]));
  /** Opens the spool in `dir` (as a start does) and delivers all of it. */
  const deliverAll = async (dir: string, metrics = createMetrics()) => {
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    const d = startSpoolDeliverer(spool, store, { table: 'events', flushIntervalMs: 60_000 }, log, metrics);
    await d.flush();
    await d.close();
    return spool;
  };

  it('redelivers a refused record once its cause is fixed, under its own token, so twice is stored once', async () => {
    const root = tempDir();
    const dir = path.join(root, 'events');
    const metrics = createMetrics();
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    await spool.append(payload('rr-1'));
    await spool.append(Buffer.from('{"site":"shop","ts":"2026-11-24 10:00:00.000","event_id":"rr-bad\\ud800","path":"/","retention_days":30}\n'));
    await spool.append(payload('rr-3'));
    const d = startSpoolDeliverer(spool, store, { table: 'events', flushIntervalMs: 60_000 }, log, metrics);
    await d.flush();
    await d.close();
    expect(await counts('rr-')).toEqual({ 'rr-1': 1, 'rr-3': 1 });
    expect(await metrics.registry.getSingleMetricAsString('calypso_spool_set_aside_records')).toMatch(/table="events"} 1$/m);
    const failed = path.join(dir, 'failed');
    const [record] = fs.readdirSync(failed).filter((f) => f.endsWith('.ndjson'));
    expect(fs.readFileSync(path.join(failed, record!.replace('.ndjson', '.reason')), 'utf8')).not.toBe('');

    // The operator mends the record, then redelivers; the next start delivers it.
    const mended = fs.readFileSync(path.join(failed, record!), 'utf8').replace('rr-bad\\ud800', 'rr-2');
    fs.writeFileSync(path.join(failed, record!), mended);
    const summary = redeliverTable(root, 'events');
    expect(summary).toMatchObject({ segments: 0, records: 1, skipped: [] });
    expect(fs.readdirSync(failed)).toEqual([]);
    const again = await deliverAll(dir);
    expect(again.setAsideRecords).toBe(0);
    expect(await counts('rr-')).toEqual({ 'rr-1': 1, 'rr-2': 1, 'rr-3': 1 });

    // The same record redelivered a second time (a copy kept by hand) is not doubled.
    fs.writeFileSync(path.join(failed, record!), mended);
    redeliverTable(root, 'events');
    await deliverAll(dir);
    expect(await counts('rr-')).toEqual({ 'rr-1': 1, 'rr-2': 1, 'rr-3': 1 });
  });

  it('sets aside a segment it cannot read, with its reason, a metric and a gauge; redelivered, it is stored once', async () => {
    const root = tempDir();
    const dir = path.join(root, 'events');
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    await spool.append(payload('rs-1', 'rs-2'));
    await spool.rotate();
    const seg = spool.peek()!;
    const bytes = fs.readFileSync(seg.file);
    // Delivered once already (as if its deletion had failed), then unreadable: a directory in its place.
    await deliverAll(dir);
    fs.mkdirSync(seg.file);
    const metrics = createMetrics();
    const broken = await Spool.open({ dir, maxBytes: 1 << 30 });
    const d = startSpoolDeliverer(broken, store, { table: 'events', flushIntervalMs: 60_000 }, log, metrics);
    while (broken.peek() !== undefined) await d.flush(); // a few attempts, then set aside
    await d.close();
    const name = path.basename(seg.file);
    expect(fs.readFileSync(path.join(dir, 'failed', `${name}.reason`), 'utf8')).toMatch(/EISDIR/);
    expect(await metrics.registry.getSingleMetricAsString('calypso_spool_set_aside_segments')).toMatch(/table="events"} 1$/m);

    // Mended (the segment's bytes back in place of the directory), redelivered: still once.
    fs.rmdirSync(path.join(dir, 'failed', name));
    fs.writeFileSync(path.join(dir, 'failed', name), bytes);
    expect(redeliverTable(root, 'events')).toMatchObject({ segments: 1, records: 0 });
    const again = await deliverAll(dir);
    expect(again.setAsideSegments).toBe(0);
    expect(await counts('rs-')).toEqual({ 'rs-1': 1, 'rs-2': 1 });
  });

  it('a stop delivers until its deadline only; the backlog left is delivered once at the next start', async () => {
    const dir = tempDir();
    const writer = await Spool.open({ dir, maxBytes: 1 << 30 });
    const eids: string[] = [];
    for (let s = 0; s < 40; s++) {
      const batch = Array.from({ length: 5 }, (_, i) => `bs-${s}-${i}`);
      eids.push(...batch);
      await writer.append(payload(...batch));
      await writer.rotate();
    }
    await writer.close();
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    const d = startSpoolDeliverer(spool, store, { table: 'events', flushIntervalMs: 60_000 }, log, createMetrics());
    await d.close(Date.now()); // the deadline is now: at most the segment in flight is finished
    await d.idle();
    expect(spool.pendingSegments).toBeGreaterThanOrEqual(38);

    const next = await deliverAll(dir);
    expect(next.pendingBytes).toBe(0);
    const got = await counts('bs-');
    expect(Object.keys(got).sort()).toEqual([...eids].sort());
    expect(Object.values(got).every((n) => n === 1)).toBe(true);
  });
});
