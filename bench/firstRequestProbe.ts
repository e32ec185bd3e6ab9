// Probe of the overview's first request (docs/performance.md "firstreq2"): its SQL captured from the
// service (bench:stats' data, 1 M events) and replayed through the store, each variant alternated with B1,
// process CPU (chDB runs in-process) and wall clock, medians. Not a bench of record: a tool for A/B of the
// statements. Variants: `gql` (the request through GraphQL, uncached), `replay` (its four statements as the
// service issues them), each statement alone (`realtime`, `visits`, `hits`, `prev`), the same with one
// thread (`replay_1t`) or group_by_use_nulls = 0 (`replay_nonull`) or on two chDB sessions (`lanes_1t`, `lanes_2t`: the hit batch on a second session
// beside the others), and any file PROBE_DIR/variant-<name>.sql: its first line `-- of <statement>` names
// whose parameters it takes, an optional second line `-- params {json}` changes some. Each variant's
// answer is written to PROBE_DIR/out-<name>.json, to compare.
//   PROBE_DIR=/tmp/probe node bench/firstRequestProbe.ts   (the data kept there for the next run)
//   PROBE_ROUNDS=9 PROBE_ITER=3 PROBE_ONLY='replay|hits'   (rounds; runs averaged per measurement; these variants only)
//   PROBE_LOOP=hits:80                                     (run one variant 80 times, for perf or --cpu-prof)
import fs from 'node:fs';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import { STATS_QUERY_SETTINGS } from '../src/stats/statsResolvers.ts';
import { FIRST_TABS } from '../web/screens/overview/panels.ts';
import { overviewQuery } from '../web/screens/overview/query.ts';
import { previousRange } from '../web/screens/overview/range.ts';
import { openProbeService } from './probeService.ts';
import { BENCH_SITE, timeB1 } from './statsBenchData.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const ROUNDS = Number(process.env.PROBE_ROUNDS ?? 9);
const ONLY = (process.env.PROBE_ONLY ?? '').split('|').filter((x) => x !== '');
const { dir, config, svc, gql, key, from, to } = await openProbeService('calypso-probe-', EVENTS);
const range = { from, to };
const request = (i: number) => {
  const q = overviewQuery(BENCH_SITE, range, 'DAY', [], { previous: previousRange(range), realtime: true, tabs: FIRST_TABS });
  return { query: q.query.replaceAll('limit: 10000', `limit: ${5_000 + i}`), variables: { ...q.variables, limit: 300 + i } };
};

// The statements of one first request, as the service sends them.
interface Stmt {
  sql: string;
  params: Record<string, unknown>;
}
const captured: Stmt[] = [];
const store = svc.store as { query: typeof svc.store.query };
const original = store.query.bind(store);
store.query = (sql, params, settings) => {
  // Only the statistics' statements: the keys', sites' and segments' snapshots are read once per process.
  if (params !== undefined && ('tz' in params || 'window' in params)) captured.push({ sql, params: params ?? {} });
  return original(sql, params, settings);
};
let gqlRun = 0;
await gql(key, 'STATISTICS', request(gqlRun++).query, request(0).variables);
store.query = original;
fs.writeFileSync(path.join(dir, 'captured.json'), JSON.stringify(captured, null, 1));
const label = (s: Stmt) => (s.sql.includes('now64') ? 'realtime' : !s.sql.includes('FROM visits') ? 'hits' : 'offset' in s.params ? 'prev' : 'visits');
process.stderr.write(`captured: ${captured.map(label).join(', ')}\n`);
const byLabel = Object.fromEntries(captured.map((s) => [label(s), s]));

const run = (s: Stmt) => svc.store.query(s.sql, s.params, STATS_QUERY_SETTINGS);
const run1 = (s: Stmt) => svc.store.query(s.sql, s.params, { ...STATS_QUERY_SETTINGS, max_threads: 1 });
const run0 = (s: Stmt) => svc.store.query(s.sql, s.params, { ...STATS_QUERY_SETTINGS, group_by_use_nulls: 0 });
// A second chDB session of the same path (the engine is shared): two statements at once.
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
// Imported once the service has loaded the engine with its allocator's options (eventStore.ts).
const { createChdbConnection } = await import('chdb/connection');
const second = createClient({
  connection: createChdbConnection({ path: path.join(dir, 'clickhouse') }) as unknown as ClientConnection,
  clickhouse_settings: { output_format_json_quote_64bit_integers: 1, date_time_output_format: 'iso' },
});
await second.command({ query: `USE ${config.clickhouse.database}` });
const run2 = async (s: Stmt, threads: number) =>
  (await second.query({ query: s.sql, query_params: s.params, format: 'JSONEachRow', clickhouse_settings: { ...STATS_QUERY_SETTINGS, max_execution_time: 30, max_threads: threads } })).json();
const lanes = (threads: number) => () =>
  Promise.all([
    run2(byLabel.hits!, threads),
    (async () => {
      for (const l of ['realtime', 'visits', 'prev']) await (threads === 1 ? run1 : run)(byLabel[l]!);
    })(),
  ]);
const variants: Record<string, () => Promise<unknown>> = {
  gql: () => {
    const r = request(gqlRun++);
    return gql(key, 'STATISTICS', r.query, r.variables);
  },
  replay: () => Promise.all(captured.map(run)),
  replay_1t: () => Promise.all(captured.map(run1)),
  replay_nonull: () => Promise.all(captured.map(run0)),
  lanes_1t: lanes(1),
  lanes_2t: lanes(2),
  ...Object.fromEntries(Object.entries(byLabel).map(([l, s]) => [l, () => run(s)])),
};
// Extra variants: files PROBE_DIR/variant-<name>.sql (params: those of the statement named on its first line `-- of <label>`).
for (const f of fs.readdirSync(dir).filter((x) => x.startsWith('variant-') && x.endsWith('.sql'))) {
  const text = fs.readFileSync(path.join(dir, f), 'utf8');
  const of = /^-- of (\w+)/.exec(text)?.[1] ?? 'hits';
  // `-- params {…}` on the second line: parameters changed for this variant (an empty site, say).
  const changed = /^-- params (.*)$/m.exec(text)?.[1];
  const stmt = { sql: text, params: { ...byLabel[of]!.params, ...(changed === undefined ? {} : (JSON.parse(changed) as Record<string, unknown>)) } };
  variants[f.slice(8, -4)] = () => run(stmt);
}
const chosen = Object.keys(variants).filter((n) => ONLY.length === 0 || ONLY.some((x) => n === x));

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
// PROBE_ITER=n: each measurement the mean of n runs in a row (steadier under a load that comes and goes).
const ITER = Number(process.env.PROBE_ITER ?? 1);
const measure = async (f: () => Promise<unknown>) => {
  const c = cpuMs();
  const w = performance.now();
  for (let i = 0; i < ITER; i++) await f();
  return { wall: (performance.now() - w) / ITER, cpu: (cpuMs() - c) / ITER };
};
// PROBE_LOOP=<name>:<n>: run one variant n times and stop.
if (process.env.PROBE_LOOP !== undefined) {
  const [n, times] = process.env.PROBE_LOOP.split(':');
  process.stderr.write(`looping ${n} in pid ${process.pid}\n`);
  for (let i = 0; i < Number(times); i++) await variants[n!]!();
  await second.close();
  await svc.stop();
  process.exit(0);
}
const results = new Map<string, Array<{ wall: number; cpu: number }>>();
const b1 = () => timeB1(svc, from, to);
// Warm, and each answer kept for comparing variants (out-<name>.json).
for (const n of chosen) fs.writeFileSync(path.join(dir, `out-${n}.json`), JSON.stringify(await variants[n]!(), null, 0).replaceAll('},{', '},\n{'));
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? chosen : [...chosen].reverse();
  for (const n of ['B1', ...order]) {
    const m = await measure(n === 'B1' ? b1 : variants[n]!);
    results.set(n, [...(results.get(n) ?? []), m]);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
const base = results.get('B1')!;
const b1cpu = median(base.map((m) => m.cpu));
const b1wall = median(base.map((m) => m.wall));
console.log(`${ROUNDS} rounds, load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
for (const [n, ms] of results) {
  const cpu = ms.map((m) => m.cpu);
  const wall = ms.map((m) => m.wall);
  console.log(
    `${n.padEnd(22)} cpu ${median(cpu).toFixed(1).padStart(6)} (${q(cpu, 0.25).toFixed(0)}–${q(cpu, 0.75).toFixed(0)}) ${(median(cpu) / b1cpu).toFixed(2)} ×   wall ${median(wall).toFixed(1).padStart(6)} (${q(wall, 0.25).toFixed(0)}–${q(wall, 0.75).toFixed(0)}) ${(median(wall) / b1wall).toFixed(2)} ×`,
  );
}
await second.close();
await svc.stop();
process.exit(0);
