// A whole file read or written in as few file-system calls as the kernel allows.
// NOTE: fs.promises.readFile and writeFile move 512 KiB per call, and each call's answer waits for a turn of
// the event loop. Under a flood of requests a turn took 80–500 ms, so delivering one 32 MiB spool segment
// (read it, write its rows for the engine) took about 130 turns and 16–20 s: delivery fell behind the
// collector, the spool filled and the service stopped accepting (docs/performance.md "reserved room,
// delivery turns, mmap threshold"). Here a file costs three or four turns (open, its size for a read, one
// read or write, close), whatever its size.
import fsp from 'node:fs/promises';

/** The file's bytes: one read for the size it has when opened (a file still growing is read to then). */
export async function readWholeFile(file: string): Promise<Buffer> {
  const fh = await fsp.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await fh.read(buf, at, size - at, at);
      if (bytesRead === 0) break; // shortened since the stat: what is there
      at += bytesRead;
    }
    return at === size ? buf : buf.subarray(0, at);
  } finally {
    await fh.close();
  }
}

/**
 * Creates or replaces the file with `data` (pieces are written one after the other, without joining them
 * in memory first), in one write unless the kernel takes less.
 */
export async function writeWholeFile(file: string, data: Buffer | string | readonly Buffer[], mode: number): Promise<void> {
  let pieces: readonly Buffer[] = typeof data === 'string' ? [Buffer.from(data)] : Buffer.isBuffer(data) ? [data] : data;
  const fh = await fsp.open(file, 'w', mode);
  try {
    let at = 0;
    while (pieces.length > 0) {
      const { bytesWritten } = await fh.writev(pieces as Buffer[], at);
      at += bytesWritten;
      pieces = unwrittenPieces(pieces, bytesWritten);
    }
  } finally {
    await fh.close();
  }
}

/** The pieces the kernel did not take when it wrote `n` bytes of them: the rest of one cut short, and those after it. */
export function unwrittenPieces(pieces: readonly Buffer[], n: number): readonly Buffer[] {
  let i = 0;
  while (i < pieces.length && n >= pieces[i]!.length) n -= pieces[i++]!.length;
  if (i === pieces.length) return [];
  return n === 0 ? pieces.slice(i) : [pieces[i]!.subarray(n), ...pieces.slice(i + 1)];
}
