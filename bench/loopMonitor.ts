// Preloaded into a bench's server (node --import ./bench/loopMonitor.ts) when BENCH_LOOP=file is set:
// once a second it appends one JSON line to the file with that second's event-loop delay (p50, p99, max,
// from perf_hooks.monitorEventLoopDelay at 1 ms resolution), the GC pauses that ended in it, the process's
// CPU time (every thread: the embedded engine's too) and the main thread's. A 1 ms timer also tells each
// stall of the loop (a gap over STALL_MS) by what filled it: the main thread's own work (its CPU time
// grew by most of the gap: `ownMs`) or waiting for the core (the process or the machine was busy
// elsewhere: `waitMs`). Bench tooling only: the service never loads it.
import fs from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const STALL_MS = 4;
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
  // Stalls: wall gap between 1 ms ticks against the main thread's CPU time over it.
  let stalls = { n: 0, ownMax: 0, waitMax: 0, own: [] as number[], wait: [] as number[] };
  let lastWall = performance.now();
  let lastCpu = process.threadCpuUsage();
  const tick = () => {
    const wall = performance.now();
    const cpu = process.threadCpuUsage();
    const gap = wall - lastWall;
    if (gap > STALL_MS) {
      const own = (cpu.user + cpu.system - lastCpu.user - lastCpu.system) / 1000;
      stalls.n++;
      const r = (x: number) => Math.round(x * 10) / 10;
      if (own > gap / 2) {
        stalls.ownMax = Math.max(stalls.ownMax, r(gap));
        stalls.own.push(r(gap));
      } else {
        stalls.waitMax = Math.max(stalls.waitMax, r(gap));
        stalls.wait.push(r(gap));
      }
    }
    lastWall = wall;
    lastCpu = cpu;
    setTimeout(tick, 1).unref();
  };
  setTimeout(tick, 1).unref();
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
      stalls: { ...stalls, own: top(stalls.own), wait: top(stalls.wait) },
    };
    h.reset();
    gc = {};
    stalls = { n: 0, ownMax: 0, waitMax: 0, own: [], wait: [] };
    // Asynchronous: a synchronous write would itself stall the loop when the disk is busy.
    fs.appendFile(file, `${JSON.stringify(line)}\n`, () => {});
  }, 1000);
  timer.unref();
}
