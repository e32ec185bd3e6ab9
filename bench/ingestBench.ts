// Ingest bench (DESIGN.md "Performance"): figures and ratios against baselines measured in the same run.
//   npm run bench:ingest                 default 10 s per case
//   BENCH_SECONDS=5 npm run bench:ingest
// Single-hit /collect vs a bare node:http 204 endpoint (goal ≥ 0.6×); batched /collect (500 events per
// request) vs raw @clickhouse/client inserts of the same rows into chDB (goal ≥ 0.5×, ≥ 100k events/s).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { freePort } from '../test/support/ports.ts';
import { onServerCore, pinSelf, pinningNote, serverCoreBusy } from './corePinning.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
// BENCH_PROFILE=dir writes a V8 CPU profile of the service into dir.
const profile: Record<string, string> = process.env.BENCH_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` } : {};
const CONNECTIONS = 32;
const root = fileURLToPath(new URL('..', import.meta.url));
const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));

function child(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ port: number; stop: () => Promise<void> }> {
  const [cmd, argv] = onServerCore(process.execPath, args);
  const proc = spawn(cmd, argv, { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) resolve({ port: Number(m[1]), stop: () => new Promise((r) => (proc.once('exit', () => r()), proc.kill('SIGTERM'))) });
    });
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${out}`)));
  });
}

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
const calypso = await child(
  ['bin/calypso.js', 'start'],
  { CALYPSO_DATA_DIR: dataDir, PORT: String(await freePort()), CALYPSO_LOG_LEVEL: 'warn', CALYPSO_RATE_LIMIT_PER_IP: '1000000', ...profile },
  /serving on http:\/\/[^:]+:(\d+)/,
);
const admin = fs.readFileSync(path.join(dataDir, 'secrets', 'admin.key'), 'utf8').trim();
await gql(calypso.port, admin, 'mutation { createSite(id: "bench", name: "Bench", hostnames: ["bench.example"]) { id } }');
const bare = await child(['bench/bareServer.ts'], {}, /listening (\d+)/);
const durable = await child(['bench/bareDurableServer.ts'], {}, /listening (\d+)/);

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

// Baseline: the same rows, already pseudonymised, inserted with @clickhouse/client into chDB.
const conn = createChdbConnection({ path: tmp('calypso-bench-raw-') });
const raw = createClient({ connection: conn as never });
await raw.command({ query: fs.readFileSync(path.join(root, 'schema/clickhouse/0001_init.sql'), 'utf8').split(/;\s*$/m).find((s) => s.includes('CREATE TABLE IF NOT EXISTS events'))! });
const row = (i: number) => ({ site: 'bench', ts: new Date().toISOString().replace('T', ' ').replace('Z', ''), event_id: `e${i}`, pid: String(1000 + i), key_version: 1, visitor_hash: '0', type: 'pageview', name: '', host: 'bench.example', path: `/p/${i % 50}`, referrer_source: 'direct', referrer_host: '', utm_source: 'x', utm_medium: '', utm_campaign: '', utm_term: '', utm_content: '', browser: '', os: '', device: '', screen: '1920x1080', language: 'ru-ru', country: '', region: '', is_bot: 0, consent: 1, engagement_ms: 0, props: {}, retention_days: 395 });
const rows = Array.from({ length: 10_000 }, (_, i) => row(i));
const t0 = performance.now();
let inserted = 0;
while (performance.now() - t0 < SECONDS * 1000) {
  await raw.insert({ table: 'events', values: rows, format: 'JSONEachRow' });
  inserted += rows.length;
}
const rawRate = inserted / ((performance.now() - t0) / 1000);
await raw.close();

const batchedEvents = batched.rps * 500;
console.log(`batched      raw client insert    ${fmt(rawRate)} events/s (10 000 rows per insert)`);
console.log(`batched      POST /collect ×500   ${fmt(batchedEvents)} events/s  p99 ${batched.p99} ms${batched.busy}   ratio ${(batchedEvents / rawRate).toFixed(2)} (goal ≥ 0.50, ≥ 100 000/s)`);
process.exit(0);
