// The load generator (the bench's own process) and the servers on separate cores, as a client on its
// own machine would be: the servers (and their redis-server) share the last core, the generator the
// rest. BENCH_PIN=0 turns it off: everything shares every core.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const cores = os.cpus().length;
/** The core the servers run on. */
export const serverCore = cores - 1;
/** Whether pinning is possible and wanted here (taskset present, two cores or more). */
const canPin = process.env.BENCH_PIN !== '0' && cores >= 2 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;

/** Moves this process (every thread) off the server core; true when it did. Call after any set-up that wants every core. */
export function pinSelf(): boolean {
  return canPin && spawnSync('taskset', ['-a', '-cp', `0-${cores - 2}`, String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/** The command line that runs `cmd args` on the server core (unchanged when pinning is off). */
export function onServerCore(cmd: string, args: string[]): [string, string[]] {
  return canPin ? ['taskset', ['-c', String(serverCore), cmd, ...args]] : [cmd, args];
}

/** Starts measuring the server core; the function returned gives its busy share since then (0–1): whether it was the bottleneck. */
export function serverCoreBusy(): () => number {
  const t0 = coreTimes(serverCore);
  return () => {
    const t1 = coreTimes(serverCore);
    return (t1.busy - t0.busy) / Math.max(1, t1.total - t0.total);
  };
}

/**
 * Starts measuring the time the hypervisor gave the server core to other guests (steal); the function
 * returned gives its share since then (0–1). NOTE: a virtual core descheduled for a few milliseconds
 * delays every request that was on it, so a latency tail under a few milliseconds cannot be measured
 * while steal is high; the latency lines print it beside their p99.
 */
export function serverCoreSteal(): () => number {
  const t0 = coreTimes(serverCore);
  return () => {
    const t1 = coreTimes(serverCore);
    return (t1.steal - t0.steal) / Math.max(1, t1.total - t0.total);
  };
}

/** Busy, stolen and total jiffies of one core, from /proc/stat. */
function coreTimes(core: number): { busy: number; steal: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${core} `));
  const v = (line ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), steal: v[7] ?? 0, total };
}

/** One line for a bench's header. */
export function pinningNote(pinned: boolean): string {
  return pinned ? `servers pinned to core ${serverCore}, the load generator to the others` : 'servers and load generator share every core';
}
