// Runs `calypso` as a real child process, the way a user does.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/calypso.js', import.meta.url));

export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout match, or rejects when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited(): Promise<number | null>;
}

/**
 * A clean environment: only PATH and HOME from ours, so the developer's variables do not leak in.
 * `stdout: 'unread'` leaves the child's stdout a pipe that nobody reads (a stalled log consumer).
 */
export function runCli(args: string[], env: Record<string, string>, opts: { stdout?: 'read' | 'unread' } = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(child, opts.stdout !== 'unread');
}

/** Collects a spawned process's output; its stdout is read unless `readStdout` is false. */
export function track(child: ChildProcess, readStdout = true): CliProcess {
  let out = '';
  let err = '';
  if (readStdout) child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  else child.stdout!.pause();
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = out.match(pattern);
        if (m !== null) return m;
        if (child.exitCode !== null) throw new Error(`calypso exited (${child.exitCode}) before printing ${pattern}: ${err || out}`);
        if (Date.now() > deadline) throw new Error(`calypso did not print ${pattern} within ${timeoutMs} ms: ${err || out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exited: () => exit,
  };
}
