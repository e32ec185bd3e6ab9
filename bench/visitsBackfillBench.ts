// Visits backfill bench: the statistics bench's events (statsBenchData.ts, inserted with visit_id 0: an
// installation upgraded from before visits were formed at ingest), then a restart, which backfills them.
// Prints the start with the backfill, a start with nothing to backfill, and the detection query alone,
// against a baseline in the same run: one scan of the events (`SELECT uniq(pid) FROM events`).
//   node bench/visitsBackfillBench.ts                 1 000 000 events
//   BENCH_EVENTS=200000 node bench/visitsBackfillBench.ts
// It prints figures and ratios; it asserts nothing.
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startService, type RunningService } from '../src/service.ts';
import { freePort } from '../test/support/ports.ts';
import { removeTempDirs, tempDir } from '../test/support/testService.ts';
import { benchGraphql, createBenchSite, generateBenchEvents } from './statsBenchData.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const COOKIES = Math.max(1_000, Math.round(EVENTS / 10));

const config = loadConfig({ CALYPSO_DATA_DIR: tempDir('calypso-bench-backfill-'), CALYPSO_LOG_LEVEL: process.env.BENCH_LOG ?? 'warn', PORT: String(await freePort()) });
const start = async (): Promise<[RunningService, number]> => {
  const t = performance.now();
  const svc = await startService(config, { role: 'all', log: createLogger(config) });
  return [svc, performance.now() - t];
};
const timed = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
const ms = (x: number) => `${x.toFixed(0)} ms`;

let [svc] = await start();
try {
  await createBenchSite(svc, benchGraphql(svc));
  await generateBenchEvents(svc, EVENTS, COOKIES);
  await svc.stop();
  let withBackfill: number;
  [svc, withBackfill] = await start();
  const [{ visits = '0', events = '0' } = {}] = await svc.store.query<{ visits: string; events: string }>('SELECT sum(sign) AS visits, sum(sign * hits) AS events FROM visits');
  const baseline = await timed(() => svc.store.query('SELECT uniq(pid) FROM events'));
  await svc.stop();
  let plain: number;
  [svc, plain] = await start();
  const detect = await timed(() => svc.store.query('SELECT 1 FROM events WHERE is_bot = 0 AND visit_id = 0 LIMIT 1'));
  const baseline2 = await timed(() => svc.store.query('SELECT uniq(pid) FROM events'));
  const b = (baseline + baseline2) / 2;
  console.log(`events ${EVENTS.toLocaleString('en')}, visits formed ${Number(visits).toLocaleString('en')} holding ${Number(events).toLocaleString('en')} events`);
  console.log(`baseline B (uniq(pid) over all events)   ${ms(b)}`);
  console.log(`start with the backfill                  ${ms(withBackfill)}  (${(withBackfill / b).toFixed(1)} × B)`);
  console.log(`start with nothing to backfill           ${ms(plain)}  (${(plain / b).toFixed(1)} × B)`);
  console.log(`detection query alone                    ${ms(detect)}  (${(detect / b).toFixed(2)} × B)`);
} finally {
  await svc.stop();
  removeTempDirs();
}
