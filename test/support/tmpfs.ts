// A small tmpfs of the test's own, to fill up: the disk-full tests need root (mount). Elsewhere they
// skip with the reason; under CI=true they fail instead (CI runs as root).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const IS_ROOT = process.getuid?.() === 0;
export const IN_CI = process.env.CI === 'true';
/** Why the tmpfs tests cannot run here, or undefined: not root, or a sandbox that refuses mounts. */
export const TMPFS_SKIP = IS_ROOT ? probeMount() : 'needs root to mount a tmpfs (run as root; CI does)';

function probeMount(): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here: ${String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim()}`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface Tmpfs {
  readonly dir: string;
  /** Writes a file of `bytes` zero bytes (less if the file system fills first) and returns its path. */
  fill(bytes?: number): string;
  /** Bytes free on the mount. */
  free(): number;
  unmount(): void;
}

export function mountTmpfs(sizeBytes: number): Tmpfs {
  if (TMPFS_SKIP !== undefined) throw new Error(`${TMPFS_SKIP}: CI must run the disk-full tests`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700`, 'tmpfs', dir]);
  return {
    dir,
    fill(bytes = sizeBytes) {
      const file = path.join(dir, `filler-${Date.now()}-${Math.random().toString(16).slice(2)}`);
      const fd = fs.openSync(file, 'w');
      const chunk = Buffer.alloc(64 * 1024);
      try {
        for (let left = bytes; left > 0; left -= chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, left));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        fs.closeSync(fd);
      }
      return file;
    },
    free() {
      const s = fs.statfsSync(dir);
      return s.bavail * s.bsize;
    },
    unmount() {
      try {
        execFileSync('umount', ['-l', dir]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
