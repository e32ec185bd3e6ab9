// Child processes that burn a known amount of CPU, for tests of the benches' CPU readings (/proc).
import type { ChildProcess } from 'node:child_process';

/**
 * A script for `node -e`: burns `ms` of its own CPU (by its own clock, not the wall's), prints its pid,
 * then idles until killed, or for a minute at most, so a burner whose test died before killing it (an
 * orphan's pid not read yet) does not outlive the run.
 */
export const burnerScript = (ms: number) =>
  `const t = process.cpuUsage(); while ((process.cpuUsage(t).user + process.cpuUsage(t).system) / 1000 < ${ms}) {}
   process.stdout.write(String(process.pid) + '\\n'); setTimeout(() => process.exit(0), 60000);`;

/**
 * The first line a child prints, as a number (the burner's pid). `untilExit`: fails if the child exits
 * first; not for a shell that exits at once and leaves its background job writing to the same pipe.
 */
export const firstLine = (c: ChildProcess, untilExit = true) =>
  new Promise<number>((resolve, reject) => {
    let out = '';
    c.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.split('\n')[0]));
    });
    if (untilExit) c.on('exit', (code) => reject(new Error(`exited with ${code} before printing a pid`)));
  });
