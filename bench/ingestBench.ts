// Ingest bench (DESIGN.md "Performance"): figures and ratios against baselines measured in the same run.
//   npm run bench:ingest                 default 10 s per case
//   BENCH_SECONDS=5 npm run bench:ingest
// Single-hit /collect vs a bare node:http 204 endpoint (goal ≥ 0.6×); batched /collect (500 events per
// request) vs raw @clickhouse/client inserts of the same rows into chDB (goal ≥ 0.5×, ≥ 100k events/s).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../test/support/ports.ts';
import { startChild } from './benchChild.ts';
import { pinSelf, pinningNote, serverCoreBusy } from './corePinning.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
// BENCH_PROFILE=dir writes a V8 CPU profile of the service into dir.
const profile: Record<string, string> = process.env.BENCH_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` } : {};
const CONNECTIONS = 32;
const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));

const pinned = pinSelf();

async function load(url: string, body: string): Promise<{ rps: number; p99: number; busy: string }> {
  const coreBusy = serverCoreBusy();
  const r = await autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' }, connections: CONNECTIONS, duration: SECONDS });
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
  ['bin/calypso.js', 'start'],
  { CALYPSO_DATA_DIR: dataDir, PORT: String(await freePort()), CALYPSO_LOG_LEVEL: 'warn', CALYPSO_RATE_LIMIT_PER_IP: '1000000', ...profile },
  { ready: /serving on http:\/\/[^:]+:(\d+)/, pin: true },
);
const admin = fs.readFileSync(path.join(dataDir, 'secrets', 'admin.key'), 'utf8').trim();
await gql(calypso.port, admin, 'mutation { createSite(id: "bench", name: "Bench", hostnames: ["bench.example"]) { id } }');
const bare = await startChild(['bench/bareServer.ts'], {}, { ready: /listening (\d+)/, pin: true });
const durable = await startChild(['bench/bareDurableServer.ts'], {}, { ready: /listening (\d+)/, pin: true });

const hit = (i: number) => ({ site: 'bench', url: `https://bench.example/p/${i % 50}?utm_source=x`, cid: `cookie-${i}`, screen: '1920x1080', lang: 'ru-RU' });
const single = JSON.stringify(hit(1));
const batch = JSON.stringify({ events: Array.from({ length: 500 }, (_, i) => hit(i)) });

console.log(`ingest bench: ${SECONDS} s per case, ${CONNECTIONS} connections, ${os.cpus().length} cores; ${pinningNote(pinned)}\n`);
const baseSingle = await load(`http://127.0.0.1:${bare.port}/`, single);
const floor = await load(`http://127.0.0.1:${durable.port}/`, single);
const oneHit = await load(`http://127.0.0.1:${calypso.port}/collect`, single);
console.log(`single hit   bare node:http 204   ${fmt(baseSingle.rps)} req/s  p99 ${baseSingle.p99} ms${baseSingle.busy}`);
console.log(`single hit   bare durable 204     ${fmt(floor.rps)} req/s  p99 ${floor.p99} ms${floor.busy}   ratio ${(floor.rps / baseSingle.rps).toFixed(2)} (JSON.parse + group-committed fdatasync only: the floor)`);
console.log(`single hit   POST /collect        ${fmt(oneHit.rps)} req/s  p99 ${oneHit.p99} ms${oneHit.busy}   ratio ${(oneHit.rps / baseSingle.rps).toFixed(2)} (goal ≥ 0.60)`);

const batched = await load(`http://127.0.0.1:${calypso.port}/collect`, batch);
await calypso.stop();
await Promise.all([bare.stop(), durable.stop()]);

// Baseline: the same rows, already pseudonymised, inserted with @clickhouse/client into chDB, on the server core.
const rawRun = await startChild(['bench/rawInsert.ts'], { BENCH_SECONDS: String(SECONDS) }, { pin: true });
const rawRate = Number(/rate ([\d.]+)/.exec(rawRun.out())?.[1] ?? NaN);

const batchedEvents = batched.rps * 500;
console.log(`batched      raw client insert    ${fmt(rawRate)} events/s (10 000 rows per insert, on the server core)`);
console.log(`batched      POST /collect ×500   ${fmt(batchedEvents)} events/s  p99 ${batched.p99} ms${batched.busy}   ratio ${(batchedEvents / rawRate).toFixed(2)} (goal ≥ 0.50, ≥ 100 000/s)`);
process.exit(0);
