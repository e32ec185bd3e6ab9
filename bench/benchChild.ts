// The benches' server processes: each a node child on the server core (corePinning.ts) when asked, with
// only PATH and the given environment, ready once its stdout matches `ready`; stopped on the way out.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onServerCore } from './corePinning.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface BenchChild {
  readonly proc: ChildProcess;
  /** What it printed so far. */
  out(): string;
  /** The `ready` match (null when none was asked for). */
  readonly match: RegExpMatchArray | null;
  /** The port its `ready` pattern's first group names. */
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * The service's Node flags, as `npm start`, the `calypso` script, the Docker image and bin/calypso.js's
 * first line start it (test/unit/serviceNodeFlags.test.ts keeps them alike): a young generation of at
 * most 16 MB a half, whose scavenges pause the look-ups a few ms instead of 10–35 (docs/performance.md "segp99").
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];

/** Children still running: stopAll() stops them, also when a bench fails. */
const running = new Set<ChildProcess>();

/** Starts `node args…`; without `ready`, resolves when it exits 0 (a job, not a server). */
export function startChild(args: string[], env: Record<string, string>, opts: { ready?: RegExp; pin?: boolean } = {}): Promise<BenchChild> {
  const [cmd, argv] = opts.pin === true ? onServerCore(process.execPath, args) : [process.execPath, args];
  const proc = spawn(cmd, argv, { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  let out = '';
  const child = (match: RegExpMatchArray | null): BenchChild => ({
    proc,
    out: () => out,
    match,
    port: Number(match?.[1] ?? 0),
    stop: () => new Promise<void>((r) => (proc.exitCode !== null ? r() : (proc.once('exit', () => r()), proc.kill('SIGTERM')))),
  });
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = opts.ready === undefined ? null : out.match(opts.ready);
      if (m) resolve(child(m));
    });
    proc.once('exit', (code) => (code === 0 && opts.ready === undefined ? resolve(child(null)) : reject(new Error(`${args.join(' ')} exited ${code}: ${out.slice(-2000)}`))));
  });
}

export function stopAll(): void {
  for (const c of running) c.kill('SIGTERM');
}
