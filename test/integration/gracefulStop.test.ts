// A stop under a large backlog returns by CALYPSO_SHUTDOWN_TIMEOUT_MS instead of draining the spool:
// what is left stays on disk and the next start delivers it, each event once.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool } from '../../src/pipeline/spool.ts';
import { startTestService, tempDir } from '../support/testService.ts';

const row = (eid: string) => ({ site: 'shop', ts: '2026-11-24 10:00:00.000', event_id: eid, pid: '42', type: 'pageview', host: 'shop.example', path: '/', retention_days: 30 });
const SEGMENTS = 300;

describe('graceful stop under a backlog', () => {
  it('leaves what it could not deliver by its deadline in the spool, and the next start delivers it once', async () => {
    const dataDir = tempDir();
    const dir = path.join(dataDir, 'spool', 'events');
    // A backlog as an outage leaves it: many closed segments waiting for ClickHouse.
    const writer = await Spool.open({ dir, maxBytes: 1 << 30 });
    const eids: string[] = [];
    for (let s = 0; s < SEGMENTS; s++) {
      const batch = [`gs-${s}-a`, `gs-${s}-b`];
      eids.push(...batch);
      await writer.append(Buffer.from(batch.map((e) => `${JSON.stringify(row(e))}\n`).join('')));
      await writer.rotate();
    }
    await writer.close();
    const first = await startTestService({ dataDir, env: { CALYPSO_SHUTDOWN_TIMEOUT_MS: '100' } });
    await first.stop(); // replay started with the service; the stop does not wait for it to finish
    const left = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).length;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(SEGMENTS);

    const second = await startTestService({ dataDir });
    try {
      await second.flush();
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.log'))).toEqual([]);
      const rows = await second.store.query<{ event_id: string; n: string }>("SELECT event_id, count() AS n FROM events WHERE startsWith(event_id, 'gs-') GROUP BY event_id");
      expect(rows.length).toBe(eids.length);
      expect(rows.filter((r) => r.n !== '1')).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 120_000);
});
