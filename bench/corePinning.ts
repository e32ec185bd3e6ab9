// The load generator (the bench's own process) and the servers on separate cores, as a client on its
// own machine would be: the servers (and their redis-server) share the last core, the generator the
// rest. BENCH_PIN=0 turns it off: everything shares every core.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { TICK_MS, cpuBetween, descendantsCpu } from './processTreeCpu.ts';

const cores = os.cpus().length;
/** The core the servers run on. */
export const serverCore = cores - 1;
/** Whether pinning is possible and wanted here (taskset present, two cores or more). */
export const canPin = process.env.BENCH_PIN !== '0' && cores >= 2 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;

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

/** Shares (0–1) of the server core's time over a measurement, by who used it. */
export interface CoreUse {
  /** The bench's own child processes (its servers, their engine threads and redis-server), pinned there. */
  ours: number;
  /** Interrupt and softirq handling (the loopback network's included), which no process is charged for. */
  interrupts: number;
  /** Everything else that ran on the core: other processes of the machine, kernel threads. */
  others: number;
  /** Time the hypervisor gave the core to other guests, as far as this virtual machine reports it. */
  steal: number;
}

/**
 * Starts measuring who used the server core; the function returned gives the shares since then.
 * NOTE: a core taken from a server for a few milliseconds delays every request that was on it, so a
 * latency tail under a few milliseconds cannot be measured while `others` or `steal` is high; the latency
 * lines print them beside their p99. `ours` counts the children's CPU on any core, so it holds only while
 * they are pinned (the shares are not printed otherwise); the figures are in 10 ms ticks.
 */
export function serverCoreUse(): () => CoreUse {
  const c0 = descendantsCpu(process.pid);
  return coreUse(serverCore, () => cpuBetween(c0, descendantsCpu(process.pid)));
}

/** The same for the load generator's first core (with two cores, its only one), `ours` being this process. */
export function generatorCoreUse(): () => CoreUse {
  const c0 = process.cpuUsage();
  return coreUse(0, () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  });
}

/** Shares of one core's time from now until the function returned is called; `oursMs`: our CPU since now. */
function coreUse(core: number, oursMs: () => number): () => CoreUse {
  const t0 = coreTimes(core);
  return () => {
    const t1 = coreTimes(core);
    const total = Math.max(1, t1.total - t0.total);
    const ours = Math.min(1, oursMs() / TICK_MS / total);
    const interrupts = (t1.interrupts - t0.interrupts) / total;
    const others = Math.max(0, (t1.busy - t0.busy) / total - ours - interrupts);
    return { ours, interrupts, others, steal: (t1.steal - t0.steal) / total };
  };
}

/** Busy (interrupts included), interrupt, stolen and total jiffies of one core, from /proc/stat. */
function coreTimes(core: number): { busy: number; interrupts: number; steal: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${core} `));
  const v = (line ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is inside user already.
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), interrupts: (v[5] ?? 0) + (v[6] ?? 0), steal: v[7] ?? 0, total };
}

/** One line for a bench's header. */
export function pinningNote(pinned: boolean): string {
  return pinned ? `servers pinned to core ${serverCore}, the load generator to the others` : 'servers and load generator share every core';
}
