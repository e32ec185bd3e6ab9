// Global setup: a real redis-server on a free loopback port for this run (or REDIS_URL when given).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestProject } from 'vitest/node';
import { freePort } from './ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A Redis for this test run, or the reason there is none. */
    redis: { url: string } | { missing: string };
  }
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error('redis-server did not open its port within 5 s');
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.REDIS_URL) {
    project.provide('redis', { url: process.env.REDIS_URL });
    return async () => {};
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    project.provide('redis', { missing: 'redis-server is not on PATH and REDIS_URL is not set' });
    return async () => {};
  }
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitForPort(port, child);
  project.provide('redis', { url: `redis://127.0.0.1:${port}` });
  return async () => {
    child.kill('SIGTERM');
  };
}
