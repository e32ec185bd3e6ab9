// Preloaded into a bench's server (node --import ./bench/loopMonitor.ts) when BENCH_LOOP=file is set:
// once a second it appends one JSON line to the file with that second's event-loop delay (p50, p99, max,
// from perf_hooks.monitorEventLoopDelay at 1 ms resolution), the GC pauses that ended in it, the process's
// CPU time (every thread: the embedded engine's too) and the main thread's. A 1 ms timer also tells each
// stall of the loop (a gap over STALL_MS) by what filled most of it, from the main thread's scheduler
// statistics (Linux): its own work (`own`), waiting for a core while the machine was busy elsewhere
// (`wait`), or blocked in a synchronous call on the loop (`blocked`). Bench tooling only: the service
// never loads it. Memory too: process.memoryUsage() (RSS, V8's heap, external and ArrayBuffers), the heap's
// spaces, and with BENCH_CHDB_DIR=<the service's clickhouse directory> the embedded engine's own tracked
// memory (system.metrics, read through a second connection to the same engine once it is up).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

const STALL_MS = 4;
// BENCH_V8_FLAGS (with BENCH_LOOP): V8 flags for the service alone, which NODE_OPTIONS does not take (GC experiments).
if (process.env.BENCH_V8_FLAGS) v8.setFlagsFromString(process.env.BENCH_V8_FLAGS);
const file = process.env.BENCH_LOOP;
if (file !== undefined && file !== '') {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const kinds: Record<number, string> = { 1: 'scavenge', 2: 'markSweep', 4: 'incremental', 8: 'weakCb' };
  let gc: Record<string, { n: number; ms: number; max: number }> = {};
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = kinds[((e as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind ?? 0] ?? 'other';
      const g = (gc[kind] ??= { n: 0, ms: 0, max: 0 });
      g.n++;
      g.ms += Math.round(e.duration * 100) / 100;
      g.max = Math.max(g.max, Math.round(e.duration * 100) / 100);
    }
  }).observe({ entryTypes: ['gc'] });
  // Stalls: the wall gap between 1 ms ticks, split by the main thread's scheduler statistics into time
  // running (its own work), waiting for a core (the machine busy elsewhere) and neither: blocked in a
  // synchronous call (a disk sync, a lock) on the event loop.
  // Opened once (opening it at each tick took up to 8 ms on the busy machine): read again from offset 0.
  const statFd = fs.openSync('/proc/thread-self/schedstat', 'r');
  const statBuf = Buffer.alloc(128);
  const schedstat = () => {
    const [run, wait] = statBuf.toString('latin1', 0, fs.readSync(statFd, statBuf, 0, statBuf.length, 0)).split(' ');
    return { run: Number(run) / 1e6, wait: Number(wait) / 1e6 };
  };
  type Stalls = { n: number; own: number[]; wait: number[]; blocked: number[] };
  let stalls: Stalls = { n: 0, own: [], wait: [], blocked: [] };
  let lastWall = performance.now();
  let last = schedstat();
  const tick = () => {
    const wall = performance.now();
    const now = schedstat();
    const gap = wall - lastWall;
    if (gap > STALL_MS) {
      const run = now.run - last.run;
      const wait = now.wait - last.wait;
      const blocked = gap - run - wait;
      const r = (x: number) => Math.round(x * 10) / 10;
      stalls.n++;
      // Named by what filled most of it.
      (run >= wait && run >= blocked ? stalls.own : wait >= blocked ? stalls.wait : stalls.blocked).push(r(gap));
    }
    lastWall = wall;
    last = now;
    setTimeout(tick, 1).unref();
  };
  setTimeout(tick, 1).unref();
  const heapMb = () => {
    const mb = (n: number) => Math.round(n / 1e5) / 10;
    const spaces = new Map(v8.getHeapSpaceStatistics().map((x) => [x.space_name, x]));
    const u = process.memoryUsage();
    return {
      newSize: mb(spaces.get('new_space')?.space_size ?? 0),
      newUsed: mb(spaces.get('new_space')?.space_used_size ?? 0),
      oldUsed: mb(spaces.get('old_space')?.space_used_size ?? 0),
      oldSize: mb(spaces.get('old_space')?.space_size ?? 0),
      loUsed: mb(spaces.get('large_object_space')?.space_used_size ?? 0),
      total: mb(u.heapTotal),
      used: mb(u.heapUsed),
      external: mb(u.external),
      arrayBuffers: mb(u.arrayBuffers),
      rss: mb(u.rss),
    };
  };
  // The engine's tracked memory (MemoryTracking: what its allocations hold; merges' share; caches' bytes),
  // through a second connection at the service's data directory. Opened only once the service's own
  // connection has started the engine (its status file exists), so the engine starts with the service's
  // arguments, not this one's.
  const chDir = process.env.BENCH_CHDB_DIR;
  let chSession: { query(sql: string, format: string): string } | undefined;
  const chdbMb = (): Record<string, number> | undefined => {
    if (chDir === undefined || chDir === '') return undefined;
    try {
      if (chSession === undefined) {
        if (!fs.existsSync(`${chDir}/status`)) return undefined;
        const { Session } = createRequire(import.meta.url)('chdb') as { Session: new (p: string) => NonNullable<typeof chSession> };
        chSession = new Session(chDir);
      }
      const out: Record<string, number> = {};
      const text = chSession.query("SELECT metric, value FROM system.metrics WHERE value != 0 AND (metric LIKE '%Memory%' OR metric LIKE '%CacheBytes%' OR metric LIKE 'Merge%' OR metric LIKE 'BackgroundMerge%')", 'TSV');
      for (const row of text.split('\n')) {
        const [k, v] = row.split('\t');
        if (k && v) out[k] = /Memory|Bytes/.test(k) ? Math.round(Number(v) / 1e5) / 10 : Number(v);
      }
      return out;
    } catch (err) {
      return { error: String(err).length };
    }
  };
  let cpu = process.cpuUsage();
  let thread = process.threadCpuUsage();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  const timer = setInterval(() => {
    const used = process.cpuUsage(cpu);
    const usedMain = process.threadCpuUsage(thread);
    cpu = process.cpuUsage();
    thread = process.threadCpuUsage();
    const top = (xs: number[]) => xs.sort((a, b) => b - a).slice(0, 5);
    const line = {
      t: Date.now(),
      p50: ms(h.percentile(50)),
      p99: ms(h.percentile(99)),
      max: ms(h.max),
      gc,
      cpuMs: Math.round((used.user + used.system) / 1000),
      mainMs: Math.round((usedMain.user + usedMain.system) / 1000),
      // V8's heap by space (a scavenge's pause grows with what survives in the young one), and the process's memory, in MB.
      heap: heapMb(),
      ch: chdbMb(),
      stalls: { n: stalls.n, own: top(stalls.own), wait: top(stalls.wait), blocked: top(stalls.blocked) },
    };
    h.reset();
    gc = {};
    stalls = { n: 0, own: [], wait: [], blocked: [] };
    // Asynchronous: a synchronous write would itself stall the loop when the disk is busy.
    fs.appendFile(file, `${JSON.stringify(line)}\n`, () => {});
  }, 1000);
  timer.unref();
}
