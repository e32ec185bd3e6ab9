// bench/corePinning.ts's serverCoreUse: the segments bench prints who used the server core beside each
// latency round, and the README reads its look-ups' p99 from those shares, so the split is checked on
// real processes: CPU burnt on that core by a child of this process is "ours", by a process outside this
// tree (an orphan adopted by init) is "others".
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { canPin, onServerCore, serverCoreUse } from '../../bench/corePinning.ts';
import { burnerScript, firstLine } from '../support/cpuBurner.ts';

const started: ChildProcess[] = [];
const orphans: number[] = [];
afterEach(() => {
  for (const c of started.splice(0)) c.kill();
  for (const pid of orphans.splice(0)) {
    try {
      process.kill(pid);
    } catch {
      // already gone
    }
  }
});

describe.skipIf(!canPin)('serverCoreUse (needs taskset and two cores to pin to)', () => {
  it('counts a pinned child of this process as ours', async () => {
    const t0 = performance.now();
    const use = serverCoreUse();
    const [cmd, args] = onServerCore(process.execPath, ['-e', burnerScript(300)]);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    started.push(child);
    await firstLine(child);
    const u = use();
    const windowMs = performance.now() - t0;
    // 300 ms of the core's time in a window of windowMs, read in 10 ms ticks.
    expect(u.ours).toBeGreaterThanOrEqual(270 / windowMs);
    expect(u.ours + u.interrupts + u.others + u.steal).toBeLessThanOrEqual(1.01);
  });

  it('counts a process outside this tree, pinned there, as another process’s', async () => {
    const t0 = performance.now();
    const use = serverCoreUse();
    // sh starts the burner in the background and exits: the burner is adopted by init, out of this tree.
    const [cmd, args] = onServerCore(process.execPath, ['-e', burnerScript(300)]);
    const quoted = [cmd, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    const sh = spawn('sh', ['-c', `${quoted} &`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await firstLine(sh, false);
    orphans.push(pid);
    const u = use();
    const windowMs = performance.now() - t0;
    expect(u.others).toBeGreaterThanOrEqual(270 / windowMs - 0.05);
    expect(u.ours).toBeLessThan(0.1 + 60 / windowMs);
  });
});
