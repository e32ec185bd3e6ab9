// bench/processTreeCpu.ts: the dashboard bench's reading of Chromium's CPU. Its figures back a README
// claim (what bounds the cold load here), so the reading is checked on real processes: a grandchild that
// burns a known amount of its own CPU is found under this process and counted, and nothing outside the tree is.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuBetween, descendantsCpu } from '../../bench/processTreeCpu.ts';
import { burnerScript, firstLine } from '../support/cpuBurner.ts';

// A child that starts the burner as its own child (a grandchild of the test) and passes its pid on.
const parentOf = (ms: number) =>
  `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(burnerScript(ms))}], { stdio: ['ignore', 'pipe', 'inherit'] });
   c.stdout.pipe(process.stdout); process.on('SIGTERM', () => { c.kill(); process.exit(0); });`;

const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) c.kill();
});

describe('descendantsCpu', () => {
  it('counts a grandchild’s own CPU, and leaves this process and others out', async () => {
    const before = descendantsCpu(process.pid);
    const child = spawn(process.execPath, ['-e', parentOf(300)], { stdio: ['ignore', 'pipe', 'inherit'] });
    started.push(child);
    const grandchild = await firstLine(child);
    const after = descendantsCpu(process.pid);

    expect(after.has(child.pid!)).toBe(true);
    expect(after.has(grandchild)).toBe(true);
    expect(after.has(process.pid)).toBe(false);
    expect(after.has(1)).toBe(false);
    // 300 ms of its own CPU, read in 10 ms ticks: new processes count from zero.
    expect(after.get(grandchild)!).toBeGreaterThanOrEqual(280);
    expect(cpuBetween(before, after)).toBeGreaterThanOrEqual(280);
  });

  it('counts only what was used between two readings', async () => {
    const child = spawn(process.execPath, ['-e', burnerScript(200)], { stdio: ['ignore', 'pipe', 'inherit'] });
    started.push(child);
    await firstLine(child);
    const a = descendantsCpu(process.pid);
    const b = descendantsCpu(process.pid);
    // The burner idles now: a few ticks at most between two readings, not its 200 ms again.
    expect(a.get(child.pid!)!).toBeGreaterThanOrEqual(180);
    expect(cpuBetween(a, b)).toBeLessThan(100);
  });
});
