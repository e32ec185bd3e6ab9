// The service's CPU per ingested event, whole process, by thread (what the wall-clock ingest bench cannot
// tell on a shared machine): the service on the server core, /collect loaded for SECONDS per case, then
// the spool left to drain (delivery to the engine counted too), and the CPU of each of its threads read
// from /proc/<pid>/task/*/stat, summed by thread name (MainThread: our JS; V8Worker: V8's GC helpers;
// libuv-worker, ThreadPool, Segmentator, ChunkParser, QueryPipelineEx, MergeMutate: chDB's insert and merges).
//   node bench/ingestCpu.ts [root=this checkout] [seconds=8] [cases=single,batch]     (cases: single, batch, over, floor)
// floor: the same single hits to bench:ingest's bare durable 204 (bareDurableServer.ts, on the server core):
// the CPU per request of the floor the single-hit row is measured against.
// A root of another worktree measures its code (an A/B in the same minutes: alternate them, several rounds).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SERVICE_NODE_FLAGS, startChild } from './benchChild.ts';
import { onServerCore, pinSelf, serverCoreBusy } from './corePinning.ts';

const root = path.resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
const SECONDS = Number(process.argv[3] ?? 8);
const cases = (process.argv[4] ?? 'single,batch').split(',');
const autocannon = createRequire(path.join(root, 'package.json'))('autocannon') as typeof import('autocannon');
const HZ = 100; // USER_HZ: /proc's clock ticks

pinSelf();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-cpu-'));
process.on('exit', () => fs.rmSync(dataDir, { recursive: true, force: true }));
const port = 20_000 + Math.floor(Math.random() * 20_000);
const [cmd, args] = onServerCore(process.execPath, [...SERVICE_NODE_FLAGS, 'bin/calypso.js', 'start']);
const env = { PATH: process.env.PATH ?? '', CALYPSO_DATA_DIR: dataDir, PORT: String(port), CALYPSO_LOG_LEVEL: 'warn', CALYPSO_RATE_LIMIT_PER_IP: '1000000' };
// BENCH_PROFILE=dir: a V8 CPU profile of the service's main thread (bench/cpuProfileSummary.ts sums it up).
const proc = spawn(cmd, args, { cwd: root, env: process.env.BENCH_PROFILE ? { ...env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` } : env, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve) => {
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => ((out += d.toString()), /serving on/.test(out) && resolve()));
});
const admin = fs.readFileSync(path.join(dataDir, 'secrets', 'admin.key'), 'utf8').trim();
await fetch(`http://127.0.0.1:${port}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, 'x-calypso-purpose': 'ADMINISTRATION' },
  body: JSON.stringify({ query: 'mutation { createSite(id: "bench", name: "Bench", hostnames: ["bench.example"]) { id } }' }),
});

/** CPU seconds of each thread of the service (or of another process), by `tid:name`. */
function threads(pid = proc.pid): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      m.set(`${t}:${s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')).replace(/\d+$/, '')}`, (Number(f[11]) + Number(f[12])) / HZ);
    } catch {
      // the thread ended meanwhile
    }
  }
  return m;
}

// The ingest bench's bodies (ingestBench.ts): every request names other visitors.
const HEADERS = { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' };
const hit = (i: number) => ({ site: 'bench', url: `https://bench.example/p/${i % 50}?utm_source=x`, cid: `cookie-${i}`, screen: '1920x1080', lang: 'ru-RU' });
const batch = (n: number) => JSON.stringify({ events: Array.from({ length: 500 }, (_, i) => hit((n * 500 + i) % 1_000_000)) });
const CASES: Record<string, { connections: number; events: number; body: (n: number) => string }> = {
  single: { connections: 32, events: 1, body: (n) => JSON.stringify(hit(n % 1_000_000)) },
  batch: { connections: 32, events: 500, body: batch },
  over: { connections: 128, events: 500, body: batch },
};

/** Spool segments written to the engine so far, and their rows (the service's /metrics). */
async function inserts(): Promise<{ inserts: number; rows: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sum = (re: RegExp) => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
  return { inserts: sum(/^calypso_flush_duration_seconds_count(?:\{[^}]*\})? (\S+)$/gm), rows: sum(/^calypso_rows_written_total(?:\{[^}]*\})? (\S+)$/gm) };
}

/** SECONDS of POSTs to `url` (body `body(n)` for n from `from`), and how busy the server core was. */
async function load(url: string, connections: number, body: (n: number) => string, from = 0) {
  let n = from;
  const busy = serverCoreBusy();
  const r = await autocannon({ url, method: 'POST', headers: HEADERS, connections, duration: SECONDS, requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: body(n++) }) }] });
  return { r, ok: r.requests.total - r.non2xx, coreBusy: busy() };
}

/** CPU seconds of `pid`'s threads since `t0`, by thread name, and their total. */
function cpuSince(t0: Map<string, number>, pid = proc.pid): { by: Map<string, number>; total: number } {
  const by = new Map<string, number>();
  let total = 0;
  for (const [k, v] of threads(pid)) {
    const d = v - (t0.get(k) ?? 0);
    const thread = k.slice(k.indexOf(':') + 1);
    by.set(thread, (by.get(thread) ?? 0) + d);
    total += d;
  }
  return { by, total };
}

/** The floor's CPU per request: the single hits' bodies to the bare durable 204 on the server core. */
async function floor(): Promise<void> {
  const durable = await startChild(['bench/bareDurableServer.ts'], {}, { ready: /listening (\d+)/, pin: true });
  const pid = durable.proc.pid!;
  const t0 = threads(pid);
  const { r, ok, coreBusy } = await load(`http://127.0.0.1:${durable.port}/`, 32, CASES.single!.body);
  const { total } = cpuSince(t0, pid);
  await durable.stop();
  console.log(`floor: ${Math.round(ok / SECONDS)} req/s, p99 ${r.latency.p99} ms; server core ${Math.round(100 * coreBusy)} % busy; process CPU ${total.toFixed(2)} s: ${((1e6 * total) / ok).toFixed(1)} µs per request`);
}

let offset = 0;
for (const name of cases) {
  if (name === 'floor') {
    await floor();
    continue;
  }
  const c = CASES[name];
  if (c === undefined) throw new Error(`unknown case ${name}; cases: ${Object.keys(CASES).join(', ')}`);
  const m0 = await inserts();
  const t0 = threads();
  const { r, ok, coreBusy } = await load(`http://127.0.0.1:${port}/collect`, c.connections, c.body, offset);
  // Until the spool is delivered (its segments close each second), so the engine's part is counted too.
  const drainStart = performance.now();
  const spoolDir = path.join(dataDir, 'spool', 'events');
  while (performance.now() - drainStart < 60_000 && fs.readdirSync(spoolDir).some((f) => f.endsWith('.log'))) await new Promise((res) => setTimeout(res, 200));
  const { by, total } = cpuSince(t0);
  const events = ok * c.events;
  const m1 = await inserts();
  console.log(
    `${name}: ${Math.round(ok / SECONDS)} req/s, ${Math.round(events / SECONDS)} events/s (${r.non2xx} non-2xx, ${r.errors} errors), p99 ${r.latency.p99} ms; server core ${Math.round(100 * coreBusy)} % busy; ` +
      `process CPU ${total.toFixed(2)} s (drained in ${((performance.now() - drainStart) / 1000).toFixed(1)} s): ${((1e6 * total) / events).toFixed(1)} µs per event, ${(ok / total).toFixed(0)} req per CPU-s`,
  );
  console.log(`   ${m1.inserts - m0.inserts} inserts of spool segments, ${((m1.rows - m0.rows) / Math.max(1, m1.inserts - m0.inserts)).toFixed(0)} rows each (${((m1.rows - m0.rows) / events).toFixed(2)} rows per event)`);
  console.log(`   ${[...by].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${((100 * v) / total).toFixed(1)} %`).join(', ')}`);
  offset += 100_000 * c.events;
}
proc.kill('SIGTERM');
await new Promise((r) => proc.once('exit', r));
process.exit(0);
