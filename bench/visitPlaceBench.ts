// What placing a hit in its visit costs the collector's CPU, without I/O: the assigner with the in-process
// store (complete for the last two hours, so ClickHouse is never asked), the visit rows serialised as the
// spool writes them, the state written back. Prints CPU µs per hit, visit rows and bytes per hit, for
// single hits and 500-hit requests, new and returning visitors; then the heap each kept visitor takes
// (run with --expose-gc for that figure). Figures in docs/visits.md.
//   node --expose-gc bench/visitPlaceBench.ts
import type { EventRow } from '../src/privacy/toEventRow.ts';
import type { EventStore } from '../src/store/eventStore.ts';
import { nowSql } from '../src/store/sqlTime.ts';
import { createVisitAssigner } from '../src/visits/visitAssigner.ts';
import { visitRowLine, type VisitRow } from '../src/visits/visitRow.ts';
import { memoryVisitStateStore } from '../src/visits/visitStateStore.ts';

const KEEP = 2 * 3_600_000;
const hit = (i: number, ms: number): EventRow =>
  ({
    ...{ site: 'bench', ts: nowSql(new Date(ms)), event_id: `e${i}`.repeat(3), pid: String(1234567890123456789n + BigInt(i)), key_version: 1, visitor_hash: '0', type: 'pageview', name: '', host: 'bench.example', path: `/p/${i % 50}` },
    ...{ referrer_source: 'direct', referrer_host: '', utm_source: ['x'][0]!, utm_medium: '', utm_campaign: '', utm_term: '', utm_content: '' },
    ...{ browser: 'Firefox', os: 'Linux', device: 'desktop', screen: '1920x1080', language: 'ru-ru', country: 'RU', region: '', is_bot: 0, consent: 1, engagement_ms: 0, props: {}, retention_days: 395 },
  }) as EventRow;
const lines = (rows: readonly VisitRow[]) => {
  let out = '';
  for (const r of rows) out += visitRowLine(r);
  return out;
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** `total` hits in requests of `batch`, cycling over `visitors` visitors; returns the store. */
async function run(label: string, batch: number, visitors: number, total: number) {
  const state = memoryVisitStateStore({ keepMs: KEEP, maxVisitors: 200_000 });
  void state.load([], Date.now() - KEEP);
  const assigner = createVisitAssigner({ store: {} as EventStore, state, maxFutureMs: 0 });
  const base = Date.now() - 60_000;
  let bytes = 0;
  let rows = 0;
  const c0 = cpuMs();
  for (let n = 0; n < total; n += batch) {
    const hits = Array.from({ length: batch }, (_, j) => {
      const i = n + j;
      const ms = base + Math.floor(i / 50);
      return { row: hit(i % visitors, ms), ms };
    });
    const placed = await assigner.place(hits);
    bytes += Buffer.from(lines(placed.visitRows)).length;
    rows += placed.visitRows.length;
    await placed.commit();
  }
  const us = ((cpuMs() - c0) * 1000) / total;
  process.stdout.write(`${label.padEnd(34)} ${us.toFixed(1)} µs/hit, ${(rows / total).toFixed(2)} visit rows/hit, ${(bytes / total).toFixed(0)} B/hit\n`);
  return state;
}

for (let round = 0; round < 2; round++) {
  await run('single, new visitors', 1, 1e9, 40_000);
  await run('single, 2000 returning visitors', 1, 2000, 40_000);
  await run('batch 500, new visitors', 500, 1e9, 100_000);
  await run('batch 500, 100 visitors per batch', 500, 100, 100_000);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (gc !== undefined) {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = await run('fill 100 000 visitors', 500, 1e9, 100_000);
  gc();
  process.stdout.write(`heap per kept visitor: ${((process.memoryUsage().heapUsed - before) / 100_000).toFixed(0)} B (${kept.since() > 0 ? 'store alive' : ''})\n`);
}
