// Ingest bench (DESIGN.md "Performance"): figures and ratios against baselines measured in the same run.
//   npm run bench:ingest                 default 10 s per case, 60 s of overload
//   BENCH_SECONDS=5 BENCH_OVERLOAD_SECONDS=20 npm run bench:ingest      (npm run bench's quick size)
// Single-hit /collect vs the bare durable 204 endpoint (goal ≥ 0.6×; the bare node:http 204 shown too);
// batched /collect (500 events per request) vs raw @clickhouse/client inserts of the same rows into chDB
// (goal ≥ 0.5×) and ≥ 100k events/s where the bare 204 reaches 80k req/s (scaled: events/s ≥ 1.25 × the
// bare req/s of the same run). Then overload: batched /collect at 128 connections for
// BENCH_OVERLOAD_SECONDS while the service's RSS (VmRSS) is sampled each second; goal: flat after the
// first 10 s, i.e. RSS at the end ≤ 1.1 × the highest RSS seen by second 10.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../test/support/ports.ts';
import { SERVICE_NODE_FLAGS, startChild } from './benchChild.ts';
import { recordRow } from './benchReport.ts';
import { hideLateTimerWarnings } from './lateTimerWarning.ts';
import { pinSelf, pinningNote, serverCoreBusy } from './corePinning.ts';

hideLateTimerWarnings();

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const OVERLOAD_SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 60);
const BENCH = 'ingest';
// BENCH_PROFILE=dir writes a V8 CPU profile of the service into dir (bench/cpuProfileSummary.ts sums it up).
const profile: Record<string, string> = process.env.BENCH_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` } : {};
const CONNECTIONS = 32;
const HEADERS = { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' };
const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));

const pinned = pinSelf();

/** Requests whose bodies are `make(n)` for the n-th request. */
function varied(make: (n: number) => string): autocannon.Request[] {
  let n = 0;
  return [{ method: 'POST', setupRequest: (req) => ({ ...req, body: make(n++) }) }];
}

/** Each request's body: `make(n)` for the n-th request, so visitors differ as on a real site. */
async function load(url: string, make: (n: number) => string): Promise<{ rps: number; p99: number; busy: string }> {
  const coreBusy = serverCoreBusy();
  const r = await autocannon({ url, method: 'POST', headers: HEADERS, connections: CONNECTIONS, duration: SECONDS, requests: varied(make) });
  if (r.non2xx > 0 || r.errors > 0) console.warn(`  ! ${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  const busy = pinned ? `  server core ${Math.round(100 * coreBusy())} % busy` : '';
  return { rps: r.requests.average, p99: r.latency.p99, busy };
}

async function gql(port: number, key: string, query: string) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-calypso-purpose': 'ADMINISTRATION' },
    body: JSON.stringify({ query }),
  });
  return res.json();
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');

const dataDir = tmp('calypso-bench-');
// The service's data directory is the bench's own: nothing of it is kept, whether the run ends or fails.
process.on('exit', () => fs.rmSync(dataDir, { recursive: true, force: true }));
const calypso = await startChild(
  [...SERVICE_NODE_FLAGS, 'bin/calypso.js', 'start'],
  { CALYPSO_DATA_DIR: dataDir, PORT: String(await freePort()), CALYPSO_LOG_LEVEL: 'warn', CALYPSO_RATE_LIMIT_PER_IP: '1000000', ...profile },
  { ready: /serving on http:\/\/[^:]+:(\d+)/, pin: true },
);
const admin = fs.readFileSync(path.join(dataDir, 'secrets', 'admin.key'), 'utf8').trim();
await gql(calypso.port, admin, 'mutation { createSite(id: "bench", name: "Bench", hostnames: ["bench.example"]) { id } }');
const bare = await startChild(['bench/bareServer.ts'], {}, { ready: /listening (\d+)/, pin: true });
const durable = await startChild(['bench/bareDurableServer.ts'], {}, { ready: /listening (\d+)/, pin: true });

const hit = (i: number) => ({ site: 'bench', url: `https://bench.example/p/${i % 50}?utm_source=x`, cid: `cookie-${i}`, screen: '1920x1080', lang: 'ru-RU' });
// A visit is formed per visitor, one request at a time: every request names other cookies (a site's many
// visitors), cycling over a million, as real traffic does; the baselines get the same bodies.
const single = (n: number) => JSON.stringify(hit(n % 1_000_000));
const batch = (n: number) => JSON.stringify({ events: Array.from({ length: 500 }, (_, i) => hit((n * 500 + i) % 1_000_000)) });

console.log(`ingest bench: ${SECONDS} s per case, ${CONNECTIONS} connections, ${os.cpus().length} cores; ${pinningNote(pinned)}\n`);
const baseSingle = await load(`http://127.0.0.1:${bare.port}/`, single);
const floor = await load(`http://127.0.0.1:${durable.port}/`, single);
const oneHit = await load(`http://127.0.0.1:${calypso.port}/collect`, single);
console.log(`single hit   bare node:http 204   ${fmt(baseSingle.rps)} req/s  p99 ${baseSingle.p99} ms${baseSingle.busy}`);
console.log(`single hit   bare durable 204     ${fmt(floor.rps)} req/s  p99 ${floor.p99} ms${floor.busy}   ratio ${(floor.rps / baseSingle.rps).toFixed(2)} (JSON.parse + group-committed fdatasync only: the floor)`);
console.log(`single hit   POST /collect        ${fmt(oneHit.rps)} req/s  p99 ${oneHit.p99} ms${oneHit.busy}   ratio ${(oneHit.rps / floor.rps).toFixed(2)} × the durable 204 (goal ≥ 0.60), ${(oneHit.rps / baseSingle.rps).toFixed(2)} × the bare 204`);
recordRow({ bench: BENCH, figure: 'single hit, bare durable 204 (the floor)', value: floor.rps, unit: 'req/s', baseline: baseSingle.rps, baselineName: 'bare 204', ratio: floor.rps / baseSingle.rps, goal: '–', pass: undefined });
recordRow({ bench: BENCH, figure: `single hit POST /collect, ${CONNECTIONS} connections`, value: oneHit.rps, unit: 'req/s', baseline: floor.rps, baselineName: 'bare durable 204', ratio: oneHit.rps / floor.rps, goal: '≥ 0.6 × the bare durable 204', pass: oneHit.rps / floor.rps >= 0.6 });

const batched = await load(`http://127.0.0.1:${calypso.port}/collect`, batch);

/** The service's resident set in MB, from /proc (taskset execs the command: the child's pid is the service's). */
const rssMb = (): number => {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${calypso.proc.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
};
// Overload: more batched requests than the service takes in, for OVERLOAD_SECONDS; RSS sampled each second.
process.stderr.write(`overload: batched POST /collect at 128 connections for ${OVERLOAD_SECONDS} s …\n`);
const samples: number[] = [];
const sampler = setInterval(() => samples.push(rssMb()), 1000);
const overload = await autocannon({ url: `http://127.0.0.1:${calypso.port}/collect`, method: 'POST', headers: HEADERS, connections: 128, duration: OVERLOAD_SECONDS, requests: varied(batch) });
clearInterval(sampler);
const peak = Math.max(...samples);
const by10 = Math.max(...samples.slice(0, 10));
const end = samples.at(-1) ?? NaN;
await calypso.stop();
await Promise.all([bare.stop(), durable.stop()]);

// Baseline: the same rows, already pseudonymised, inserted with @clickhouse/client into chDB, on the server core.
const rawRun = await startChild(['bench/rawInsert.ts'], { BENCH_SECONDS: String(SECONDS) }, { pin: true });
const rawRate = Number(/rate ([\d.]+)/.exec(rawRun.out())?.[1] ?? NaN);

const batchedEvents = batched.rps * 500;
const scaled = batchedEvents / baseSingle.rps;
console.log(`batched      raw client insert    ${fmt(rawRate)} events/s (10 000 rows per insert, on the server core)`);
console.log(
  `batched      POST /collect ×500   ${fmt(batchedEvents)} events/s  p99 ${batched.p99} ms${batched.busy}   ratio ${(batchedEvents / rawRate).toFixed(2)} (goal ≥ 0.50); ${scaled.toFixed(2)} events per bare 204 request (goal ≥ 1.25: 100 k/s at 80 k req/s)`,
);
console.log(
  `overload     128 connections, ${OVERLOAD_SECONDS} s  ${fmt(((overload.requests.total - overload.non2xx) / OVERLOAD_SECONDS) * 500)} events/s accepted (${overload.non2xx} non-2xx, ${overload.errors} errors); RSS peak ${peak.toFixed(0)} MB, max by 10 s ${by10.toFixed(0)} MB, at the end ${end.toFixed(0)} MB (goal: end ≤ 1.1 × max by 10 s)`,
);
console.log(`             RSS each second (MB): ${samples.map((x) => x.toFixed(0)).join(' ')}`);
recordRow({ bench: BENCH, figure: 'batched POST /collect, 500 events per request', value: batchedEvents, unit: 'events/s', baseline: rawRate, baselineName: 'raw client insert', ratio: batchedEvents / rawRate, goal: '≥ 0.5 × the raw client insert', pass: batchedEvents / rawRate >= 0.5 });
recordRow({
  bench: BENCH,
  figure: 'batched POST /collect, scaled to the bare 204',
  value: batchedEvents,
  unit: 'events/s',
  baseline: baseSingle.rps,
  baselineName: 'bare 204',
  baselineUnit: 'req/s',
  ratio: scaled,
  goal: '≥ 100 k events/s where the bare 204 reaches 80 k req/s (ratio ≥ 1.25)',
  pass: scaled >= 1.25,
});
recordRow({ bench: BENCH, figure: `peak RSS of the service, ${OVERLOAD_SECONDS} s of overload`, value: peak, unit: 'MB', goal: '–', pass: undefined });
recordRow({
  bench: BENCH,
  figure: `RSS at the end of ${OVERLOAD_SECONDS} s of overload`,
  value: end,
  unit: 'MB',
  baseline: by10,
  baselineName: 'max by 10 s',
  ratio: end / by10,
  goal: 'flat after the first 10 s: end ≤ 1.1 × max by 10 s',
  pass: end / by10 <= 1.1,
});
process.exit(0);
