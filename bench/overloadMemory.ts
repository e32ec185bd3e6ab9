// What the service's memory is made of under bench:ingest's overload, second by second: the resident set
// (anonymous and file-backed, /proc), V8's heap by space with external and ArrayBuffer memory, and the
// embedded engine's own tracked memory (system.metrics, through bench/loopMonitor.ts with BENCH_CHDB_DIR),
// beside the events accepted in that second and the MB waiting in the events' and visits' spools on disk
// (delivery's backlog). As bench:ingest, the service on the server core; by default
// the same prelude first (5 s of single hits, 5 s of 500-event batches at 32 connections, whose visitors
// the overload's first requests name again), then batched POST /collect at 128 connections.
//   node bench/overloadMemory.ts [root=this checkout] [seconds=20] [prelude=5] [NAME=value …]
// (BENCH_NODE_FLAGS='--flag …': Node or V8 flags for the service; BENCH_TRACE_GC=1, BENCH_SMAPS=file: see below)
// NAME=value pairs go to the service's environment (CALYPSO_… settings: an A/B of a setting); a root of
// another worktree measures its code (alternate the two, several rounds). Prints one line per second and a
// summary: accepted events/s, RSS peak, max by 10 s, at the end, and the ratio bench:ingest reports.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SERVICE_NODE_FLAGS } from './benchChild.ts';
import { onServerCore, pinSelf, serverCoreBusy } from './corePinning.ts';

const positional = process.argv.slice(2).filter((a) => !/^[A-Z][A-Z0-9_]*=/.test(a));
const extraEnv = Object.fromEntries(process.argv.slice(2).filter((a) => /^[A-Z][A-Z0-9_]*=/.test(a)).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
const root = path.resolve(positional[0] ?? fileURLToPath(new URL('..', import.meta.url)));
const SECONDS = Number(positional[1] ?? 20);
const PRELUDE = Number(positional[2] ?? 5);
const autocannon = createRequire(path.join(root, 'package.json'))('autocannon') as typeof import('autocannon');

pinSelf();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-mem-'));
process.on('exit', () => fs.rmSync(dataDir, { recursive: true, force: true }));
const loopFile = path.join(dataDir, 'loop.jsonl');
const port = 20_000 + Math.floor(Math.random() * 20_000);
const monitor = `--import=${new URL('./loopMonitor.ts', import.meta.url).href}`;
// BENCH_TRACE_GC=1: V8's line for each mark-compact (old generation before → after: what was live), printed
// with the second of the overload it ended in.
const traceGc = process.env.BENCH_TRACE_GC === '1' ? ['--trace-gc'] : [];
// BENCH_NODE_FLAGS: more Node or V8 flags for the service (space-separated), after the service's own.
const moreFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
const [cmd, args] = onServerCore(process.execPath, [...SERVICE_NODE_FLAGS, ...moreFlags, ...traceGc, monitor, 'bin/calypso.js', 'start']);
const env = {
  PATH: process.env.PATH ?? '',
  CALYPSO_DATA_DIR: dataDir,
  PORT: String(port),
  CALYPSO_LOG_LEVEL: 'warn',
  CALYPSO_RATE_LIMIT_PER_IP: '1000000',
  BENCH_LOOP: loopFile,
  BENCH_CHDB_DIR: path.join(dataDir, 'clickhouse'),
  ...extraEnv,
};
const proc = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
let overloadStart = 0;
if (traceGc.length > 0) {
  proc.stdout!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (/Mark-Compact/.test(line)) console.log(`  gc at ${overloadStart === 0 ? 'prelude' : `${((Date.now() - overloadStart) / 1000).toFixed(1)} s`}: ${line.replace(/^\[\d+:0x[0-9a-f]+\]\s+/, '').slice(0, 110)}`);
  });
}
await new Promise<void>((resolve, reject) => {
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => ((out += d.toString()), /serving on/.test(out) && resolve()));
  proc.once('exit', (code) => reject(new Error(`service exited ${code}: ${out.slice(-2000)}`)));
});
const admin = fs.readFileSync(path.join(dataDir, 'secrets', 'admin.key'), 'utf8').trim();
await fetch(`http://127.0.0.1:${port}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, 'x-calypso-purpose': 'ADMINISTRATION' },
  body: JSON.stringify({ query: 'mutation { createSite(id: "bench", name: "Bench", hostnames: ["bench.example"]) { id } }' }),
});

// The ingest bench's bodies (ingestBench.ts): every request names other visitors, cycling over a million.
const HEADERS = { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' };
const hit = (i: number) => ({ site: 'bench', url: `https://bench.example/p/${i % 50}?utm_source=x`, cid: `cookie-${i}`, screen: '1920x1080', lang: 'ru-RU' });
const single = (n: number) => JSON.stringify(hit(n % 1_000_000));
const batch = (n: number) => JSON.stringify({ events: Array.from({ length: 500 }, (_, i) => hit((n * 500 + i) % 1_000_000)) });
const load = (body: (n: number) => string, connections: number, duration: number) => {
  let n = 0;
  return autocannon({ url: `http://127.0.0.1:${port}/collect`, method: 'POST', headers: HEADERS, connections, duration, requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: body(n++) }) }] });
};
if (PRELUDE > 0) {
  await load(single, 32, PRELUDE);
  await load(batch, 32, PRELUDE);
}

const status = (): Record<string, number> => {
  const text = fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8');
  const kb = (k: string) => Math.round(Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN) / 102.4) / 10;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
};
/** The loop monitor's last line: its `heap` (MB by part) and `ch` (the engine's metrics). */
type LoopLine = { heap?: Record<string, number>; ch?: Record<string, number> };
const lastLoop = (): LoopLine => {
  try {
    const lines = fs.readFileSync(loopFile, 'utf8').trimEnd().split('\n');
    return JSON.parse(lines.at(-1) ?? '{}') as LoopLine;
  } catch {
    return {};
  }
};

// The resident anonymous memory by kind, from /proc/<pid>/smaps: glibc's main arena (`[heap]`, the main
// thread's malloc: Node's Buffers and native objects), its thread arenas (heaps of at most 64 MiB, each
// aligned to 64 MiB: what the engine's threads allocate), and the rest (V8's heap pages, and allocations
// too large for an arena, which malloc maps on their own).
const smapsMb = (): { brk: number; arenas: number; nArenas: number; otherAnon: number } => {
  const MiB64 = 64 * 1024 * 1024;
  let brk = 0;
  let arenas = 0;
  let nArenas = 0;
  let otherAnon = 0;
  for (const m of fs.readFileSync(`/proc/${proc.pid}/smaps`, 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    const head = m.slice(0, m.indexOf('\n'));
    const [range, perms, , , inode, name] = head.split(/\s+/);
    const [a, b] = range!.split('-').map((x) => parseInt(x, 16));
    const anon = Number(/\nAnonymous:\s+(\d+) kB/.exec(m)?.[1] ?? 0);
    if (name === '[heap]') brk += anon;
    else if (inode === '0' && (name === undefined || name === '') && perms === 'rw-p' && a! % MiB64 === 0 && b! - a! <= MiB64) {
      nArenas++;
      arenas += anon;
    } else otherAnon += anon;
  }
  const mb = (kb: number) => Math.round(kb / 102.4) / 10;
  return { brk: mb(brk), arenas: mb(arenas), nArenas, otherAnon: mb(otherAnon) };
};

/** The service's CPU time (every thread: the engine's too), in seconds, from /proc/<pid>/stat. */
const cpuSeconds = (): number => {
  const f = fs.readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
  const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(v[11]) + Number(v[12])) / 100;
};
/** MB waiting in a table's spool on disk (its segments, delivered ones are removed): delivery's backlog. */
const spoolMb = (table: string): number => {
  const dir = path.join(dataDir, 'spool', table);
  let bytes = 0;
  for (const f of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!f.isFile()) continue;
    try {
      bytes += fs.statSync(path.join(dir, f.name)).size;
    } catch {
      // delivered and removed between the listing and the stat
    }
  }
  return Math.round(bytes / 1e5) / 10;
};
let accepted = 0;
const rows: Array<Record<string, number | undefined>> = [];
const busy = serverCoreBusy();
const cpu0 = cpuSeconds();
const run = load(batch, 128, SECONDS);
(run as unknown as NodeJS.EventEmitter).on('response', (_c: unknown, code: number) => code < 300 && accepted++);
let prevAccepted = 0;
const t0 = Date.now();
overloadStart = t0;
const sampler = setInterval(() => {
  const l = lastLoop();
  const h = l.heap ?? {};
  const ch = l.ch ?? {};
  const row = {
    s: Math.round((Date.now() - t0) / 1000),
    ...status(),
    ...smapsMb(),
    heapUsed: h.used,
    heapTotal: h.total,
    old: h.oldUsed,
    young: h.newSize,
    lo: h.loUsed,
    ext: h.external,
    ab: h.arrayBuffers,
    chMem: ch.MemoryTracking,
    chMerge: ch.MergesMutationsMemoryTracking,
    merges: ch.Merge,
    ev: (accepted - prevAccepted) * 500,
    spool: spoolMb('events'),
    visitSpool: spoolMb('visits'),
  };
  prevAccepted = accepted;
  rows.push(row);
  // BENCH_SMAPS: the 10th second's mappings too (file.10s), to compare with the end's.
  if (process.env.BENCH_SMAPS && row.s === 10) fs.writeFileSync(`${process.env.BENCH_SMAPS}.10s`, fs.readFileSync(`/proc/${proc.pid}/smaps`));
  console.log(Object.entries(row).map(([k, v]) => `${k} ${v ?? '-'}`).join('  '));
}, 1000);
const r = await run;
clearInterval(sampler);
const coreBusy = busy();
// The engine's metrics as the last second read them (its caches' bytes, merges, tracked memory).
const lastCh = lastLoop().ch;
const cpuUsed = cpuSeconds() - cpu0;

// BENCH_SMAPS=file: the last second's mappings (and the 10th second's in file.10s), for attribution.
if (process.env.BENCH_SMAPS) fs.writeFileSync(process.env.BENCH_SMAPS, fs.readFileSync(`/proc/${proc.pid}/smaps`));
proc.kill('SIGTERM');
await new Promise((res) => proc.once('exit', res));

const rss = rows.map((x) => x.rss!);
const by10 = Math.max(...rss.slice(0, 10));
const end = rss.at(-1)!;
const ok = r.requests.total - r.non2xx;
console.log(
  `${path.basename(root)} ${moreFlags.join(' ')} ${Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`).join(' ')}: ${Math.round((ok * 500) / SECONDS)} events/s accepted (${r.non2xx} non-2xx, ${r.errors} errors), ${((1e6 * cpuUsed) / Math.max(1, ok * 500)).toFixed(0)} µs of process CPU per accepted event, server core ${Math.round(100 * coreBusy)} % busy; ` +
    `RSS peak ${Math.max(...rss).toFixed(0)} MB, max by 10 s ${by10.toFixed(0)}, end ${end.toFixed(0)} (${(end / by10).toFixed(2)} ×)`,
);
// What changed between the 10th second and the end, by part (MB): the growth the goal is about.
const mean = (k: string, from: number, to: number) => {
  const xs = rows.slice(from, to).map((x) => x[k]).filter((x): x is number => typeof x === 'number');
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
};
const parts = ['rss', 'brk', 'arenas', 'otherAnon', 'heapTotal', 'old', 'ab', 'chMem', 'spool'];
if (lastCh !== undefined) console.log(`  the engine at the end: ${Object.entries(lastCh).map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`  mean of seconds 6–10 → of the last 5: ${parts.map((k) => `${k} ${mean(k, 5, 10).toFixed(0)}→${mean(k, -5, rows.length).toFixed(0)}`).join(', ')}`);
process.exit(0);
