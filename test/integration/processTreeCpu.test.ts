// bench/processTreeCpu.ts: the dashboard bench's reading of Chromium's CPU. Its figures back a README
// claim (what bounds the cold load here), so the reading is checked on real processes: a grandchild that
// burns a known amount of its own CPU is found under this process and counted, and nothing outside the tree is.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuBetween, descendantsCpu } from '../../bench/processTreeCpu.ts';

// Burns `ms` of its own CPU (measured by its own clock, not the wall's), prints its pid, then idles until killed.
const burner = (ms: number) =>
  `const t = process.cpuUsage(); while ((process.cpuUsage(t).user + process.cpuUsage(t).system) / 1000 < ${ms}) {}
   process.stdout.write(String(process.pid) + '\\n'); setInterval(() => {}, 1000);`;
// A child that starts the burner as its own child (a grandchild of the test) and passes its pid on.
const parentOf = (ms: number) =>
  `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(burner(ms))}], { stdio: ['ignore', 'pipe', 'inherit'] });
   c.stdout.pipe(process.stdout); process.on('SIGTERM', () => { c.kill(); process.exit(0); });`;

const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) c.kill();
});

const firstLine = (c: ChildProcess) =>
  new Promise<number>((resolve, reject) => {
    let out = '';
    c.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.split('\n')[0]));
    });
    c.on('exit', (code) => reject(new Error(`exited with ${code} before printing a pid`)));
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
    const child = spawn(process.execPath, ['-e', burner(200)], { stdio: ['ignore', 'pipe', 'inherit'] });
    started.push(child);
    await firstLine(child);
    const a = descendantsCpu(process.pid);
    const b = descendantsCpu(process.pid);
    // The burner idles now: a few ticks at most between two readings, not its 200 ms again.
    expect(a.get(child.pid!)!).toBeGreaterThanOrEqual(180);
    expect(cpuBetween(a, b)).toBeLessThan(100);
  });
});
