// Crash: SIGKILL the service mid-stream, start it again: every acknowledged hit is stored exactly once.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { openEventStore } from '../../src/store/eventStore.ts';
import { runCli } from '../support/cliProcess.ts';
import { freePort } from '../support/ports.ts';
import { tempDir } from '../support/testService.ts';

describe('crash safety', () => {
  it('keeps every acknowledged hit exactly once across a SIGKILL', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const env = { CALYPSO_DATA_DIR: dataDir, PORT: String(port), CALYPSO_FLUSH_INTERVAL_MS: '60000', CALYPSO_RATE_LIMIT_PER_IP: '1000000' };
    const url = `http://127.0.0.1:${port}`;

    const first = runCli(['start'], env);
    const [, admin] = await first.waitFor(/^\s+(cly_admin_\S+)$/m);
    await first.waitFor(/Calypso is serving on/);
    await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, 'x-calypso-purpose': 'ADMINISTRATION' },
      body: JSON.stringify({ query: 'mutation CrashProbe { createSite(id: "shop", name: "Shop", hostnames: ["shop.example"]) { id } }' }),
    });

    const acked: string[] = [];
    let sent = 0;
    let killed = false;
    const sender = async (worker: number) => {
      for (let i = 0; !killed; i++) {
        const events = Array.from({ length: 5 }, (_, j) => ({ site: 'shop', url: `https://shop.example/p${j}`, cid: `c${worker}-${i}`, eid: `w${worker}-${i}-${j}` }));
        sent += events.length;
        try {
          const res = await fetch(`${url}/collect`, { method: 'POST', body: JSON.stringify({ events }) });
          if (res.status === 202) acked.push(...events.map((e) => e.eid));
        } catch {
          // the connection died with the process: not acknowledged
        }
      }
    };
    const senders = Array.from({ length: 8 }, (_, w) => sender(w));
    await new Promise((r) => setTimeout(r, 1_500));
    first.child.kill('SIGKILL');
    killed = true;
    await Promise.all(senders);
    await first.exited();
    expect(acked.length).toBeGreaterThan(100);

    const second = runCli(['start'], env);
    await second.waitFor(/Calypso is serving on/);
    // Segments close only every 60 s here: every hit acknowledged before the kill was in the spool only.
    expect(second.stdout()).toMatch(/replaying the spool left by the last run/);
    await new Promise((r) => setTimeout(r, 500)); // replay runs at start
    second.child.kill('SIGTERM');
    expect(await second.exited()).toBe(0);

    const store = await openEventStore(loadConfig({ CALYPSO_DATA_DIR: dataDir }));
    try {
      const rows = await store.query<{ event_id: string; n: string }>('SELECT event_id, count() AS n FROM events GROUP BY event_id');
      const counts = new Map(rows.map((r) => [r.event_id, Number(r.n)]));
      const missing = acked.filter((eid) => counts.get(eid) !== 1);
      expect(missing).toEqual([]);
      expect(rows.filter((r) => r.n !== '1')).toEqual([]);
      expect(rows.length).toBeLessThanOrEqual(sent);
      // The audit trail is spooled like hits: the operation before the kill is there exactly once.
      const audit = await store.query<{ n: string }>("SELECT count() AS n FROM audit_log WHERE operation = 'CrashProbe'");
      expect(audit).toEqual([{ n: '1' }]);
    } finally {
      await store.close();
    }
  });
});
