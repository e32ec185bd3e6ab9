// CPU time of a process's descendants, from /proc/<pid>/stat (Linux): what a page load cost Chromium's
// processes (browser, renderer, network, GPU, …) beside what it cost the service, so that a bench can say
// how much of two shared cores the work needed at least. NOTE: a process's own utime + stime only: its
// reaped children's (cutime, cstime) would add the whole life of a renderer closed before the window and
// reaped within it; a process that ends inside the window is left out, so the sum is a lower bound.
import fs from 'node:fs';

/** One clock tick of /proc (USER_HZ, 100 on Linux), in ms. */
export const TICK_MS = 1000 / 100;

interface ProcStat {
  ppid: number;
  /** utime + stime, in ms. */
  cpuMs: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after its last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    return { ppid: Number(f[1]), cpuMs: ticks * TICK_MS };
  } catch {
    return undefined; // ended between the listing and the read
  }
}

/** Per pid, the CPU (ms) of every live descendant of `root` (not `root` itself). */
export function descendantsCpu(root: number): Map<number, number> {
  const stats = new Map<number, ProcStat>();
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = readStat(pid);
    if (s !== undefined) stats.set(pid, s);
  }
  const under = (pid: number): boolean => {
    for (let p = stats.get(pid)?.ppid, hops = 0; p !== undefined && p > 0 && hops < 64; p = stats.get(p)?.ppid, hops++) {
      if (p === root) return true;
    }
    return false;
  };
  const out = new Map<number, number>();
  for (const [pid, s] of stats) if (under(pid)) out.set(pid, s.cpuMs);
  return out;
}

/** CPU (ms) the descendants of `root` used between two readings (new processes count from zero). */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, cpu] of after) ms += cpu - (before.get(pid) ?? 0);
  return ms;
}
