// The spool on a full disk (a tmpfs of the test's own): appends are refused with a 503-able error and
// nothing acknowledged is lost; ClickHouse out of space keeps the segment queued, never set aside.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { Spool, SpoolDiskError, SpoolFullError } from '../../src/pipeline/spool.ts';
import { startSpoolDeliverer } from '../../src/pipeline/spoolDeliverer.ts';
import type { EventStore } from '../../src/store/eventStore.ts';
import { openMigratedStore, tempDir } from '../support/testService.ts';
import { IN_CI, TMPFS_SKIP, mountTmpfs, type Tmpfs } from '../support/tmpfs.ts';

const row = (eid: string) => ({ site: 'shop', ts: '2026-11-24 10:00:00.000', event_id: eid, pid: '42', type: 'pageview', host: 'shop.example', path: '/', retention_days: 30 });
const payload = (...eids: string[]) => Buffer.from(eids.map((e) => `${JSON.stringify(row(e))}\n`).join(''));
const log = createLogger({ logLevel: 'silent' });

describe.skipIf(TMPFS_SKIP !== undefined && !IN_CI)(`the spool on a full disk${TMPFS_SKIP === undefined ? '' : ` (skipped: ${TMPFS_SKIP})`}`, () => {
  // One embedded engine per process: its data lives on a tmpfs of its own, which the second test fills.
  let store: EventStore;
  let storeDisk: Tmpfs;
  const mounts: Tmpfs[] = [];
  beforeAll(async () => {
    storeDisk = mount(64 * 1024 * 1024);
    store = await openMigratedStore(storeDisk.dir);
  });
  afterAll(async () => {
    await store?.close();
    for (const m of mounts) m.unmount();
  });
  const mount = (bytes: number) => {
    const m = mountTmpfs(bytes);
    mounts.push(m);
    return m;
  };
  const eventIds = async (prefix: string) =>
    new Map((await store.query<{ event_id: string; n: string }>('SELECT event_id, count() AS n FROM events WHERE startsWith(event_id, {p:String}) GROUP BY event_id', { p: prefix })).map((r) => [r.event_id, Number(r.n)]));

  it('refuses appends while the disk is full (503 + Retry-After), loses nothing acknowledged, and takes them again once space is freed', async () => {
    const disk = mount(1024 * 1024);
    const dir = path.join(disk.dir, 'spool');
    const metrics = createMetrics();
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    const acked: string[] = [];
    const refused: unknown[] = [];
    const send = async (eid: string) => {
      try {
        await spool.append(payload(eid));
        acked.push(eid);
      } catch (err) {
        refused.push(err);
      }
    };
    for (let i = 0; i < 20; i++) await send(`full-a${i}`);
    const filler = disk.fill();
    // Some appends may still fit in the segment's last page; the rest are refused. Concurrent ones too.
    for (let i = 0; i < 50; i++) await send(`full-b${i}`);
    await Promise.all(Array.from({ length: 50 }, (_, i) => send(`full-c${i}`)));
    await spool.rotate(); // closes the segment on a full disk: must not throw
    for (let i = 0; i < 20; i++) await send(`full-d${i}`); // a new segment cannot even be opened, or written
    expect(refused.length).toBeGreaterThan(50);
    for (const err of refused) {
      expect(err).toBeInstanceOf(SpoolDiskError);
      expect(err).toBeInstanceOf(SpoolFullError); // so every route answers it as it answers the budget
      expect(err).toMatchObject({ status: 503, retryAfter: 5, errno: 'ENOSPC' });
    }
    expect(spool.pendingBytes).toBeLessThanOrEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.log')).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0));

    fs.rmSync(filler);
    for (let i = 0; i < 20; i++) await send(`full-e${i}`);
    const d = startSpoolDeliverer(spool, store, { table: 'events', flushIntervalMs: 60_000 }, log, metrics);
    await d.flush();
    await d.close();
    const got = await eventIds('full-');
    expect(acked.filter((e) => got.get(e) !== 1)).toEqual([]);
    expect([...got.keys()].filter((e) => !acked.includes(e))).toEqual([]); // nothing refused was delivered
    expect(fs.existsSync(path.join(dir, 'failed'))).toBe(false);
  });

  it('keeps a segment ClickHouse could not write for lack of space queued, never set aside, and delivers it once space returns', async () => {
    const dir = tempDir();
    const metrics = createMetrics();
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    await spool.append(payload('ch-1', 'ch-2'));
    await spool.append(payload('ch-3'));
    const filler = storeDisk.fill();
    const d = startSpoolDeliverer(spool, store, { table: 'events', flushIntervalMs: 60_000 }, log, metrics);
    await d.flush(); // returns: ClickHouse refuses for lack of space
    expect(d.degraded).toBe(true);
    expect(spool.peek()).toBeDefined();
    expect(fs.existsSync(path.join(dir, 'failed'))).toBe(false);
    expect(await metrics.registry.getSingleMetricAsString('calypso_spool_failed_records_total')).toMatch(/ 0$/m);

    fs.rmSync(filler);
    await d.flush();
    await d.close();
    expect(spool.pendingBytes).toBe(0);
    expect([...(await eventIds('ch-')).entries()].sort()).toEqual([['ch-1', 1], ['ch-2', 1], ['ch-3', 1]]);
    expect(fs.existsSync(path.join(dir, 'failed'))).toBe(false);
  });
});
