// Hits do not wait on an erasure. On the embedded engine an erasure's DELETE holds chDB for seconds on
// a large table (chDB runs one statement at a time); here a real long statement holds it while the
// erasure and a few API reads queue behind it, and every /collect started meanwhile must be answered
// before that statement, and so the erasure, ends. Order only: no timing is asserted.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { Spool } from '../../src/pipeline/spool.ts';
import { startSpoolDeliverer } from '../../src/pipeline/spoolDeliverer.ts';
import { siteWithKey, startTestService, tempDir, type TestService } from '../support/testService.ts';

/** Holds the engine about 5 s: one row a block, 0.1 s each (under chDB's 3 s cap per block). */
const HOLD_SQL = 'SELECT sum(sleepEachRow(0.1)) AS s FROM numbers(50) SETTINGS max_block_size = 1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hit = (eid: string) =>
  Buffer.from(`${JSON.stringify({ site: 'stall', ts: '2026-11-24 10:00:00.000', event_id: eid, pid: '7', type: 'pageview', host: 'stall.example', path: '/', retention_days: 30 })}\n`);

describe('an erasure on the embedded engine', () => {
  let svc: TestService;
  let key: string;
  beforeAll(async () => {
    svc = await startTestService();
    key = await siteWithKey(svc, 'stall', ['SUBJECT_REQUEST']);
    expect((await svc.collect({ site: 'stall', url: 'https://stall.example/a', cid: 'victim' })).status).toBe(202);
    await svc.flush();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('does not hold up /collect: every hit sent while the engine is busy with it is answered first', async () => {
    const ended: string[] = [];
    const hold = svc.store.query(HOLD_SQL).then(() => ended.push('hold'));
    const erasure = svc
      .gql<{ eraseSubject: { eventsErased: number } }>(key, 'SUBJECT_REQUEST', 'mutation { eraseSubject(site: "stall", cookieId: "victim", reason: "test") { eventsErased } }')
      .then((r) => {
        ended.push('erasure');
        return r;
      });
    // API reads queued meanwhile: each used to wait on a threadpool thread, the spool's fdatasync behind them.
    const reads = Array.from({ length: 4 }, () => svc.store.query('SELECT count() AS n FROM events'));
    // Past the second in which a copy of the tombstones used to be re-read (and waited for) by every hit.
    await sleep(1_200);
    const hits: Array<Promise<number>> = [];
    for (let i = 0; i < 6; i++) {
      const hit = svc.collect({ site: 'stall', url: `https://stall.example/p${'abcdefgh'[i]}`, cid: `visitor-${i}` }).then((r) => {
        ended.push(`hit ${i}`);
        return r.status;
      });
      hits.push(hit);
      await hit;
      await sleep(50);
    }
    const [statuses, , result] = await Promise.all([Promise.all(hits), hold, erasure, Promise.all(reads)]);
    expect(statuses.every((s) => s === 202)).toBe(true);
    expect(result.errors).toBeUndefined();
    expect(result.data?.eraseSubject.eventsErased).toBe(1);
    // Every hit answered before the statement holding the engine ended, and before the erasure did.
    expect(ended).toEqual([...hits.map((_, i) => `hit ${i}`), 'hold', 'erasure']);
  });
  it("waits for what was accepted before it, not for hits that keep arriving while delivery lags", async () => {
    // The erasure's flushLocal is every spool's flush: it used to resolve only once the spool was empty.
    const dir = tempDir();
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    const deliverer = startSpoolDeliverer(spool, svc.store, { table: 'events', flushIntervalMs: 60_000 }, createLogger({ logLevel: 'silent' }), createMetrics());
    try {
      const hold = svc.store.query('SELECT sum(sleepEachRow(0.1)) AS s FROM numbers(10) SETTINGS max_block_size = 1');
      await spool.append(hit('flush-before'));
      const flushed = deliverer.flush();
      await spool.append(hit('flush-after')); // accepted after the flush began, closed before anything is delivered
      await spool.rotate();
      const after = spool.lastClosedSeq;
      await hold;
      await flushed;
      // The flush is over while the later segment is still waiting its turn.
      expect(spool.peek()?.seq).toBe(after);
      await deliverer.flush();
      expect(spool.peek()).toBeUndefined();
    } finally {
      await deliverer.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
