// What a spool keeps aside instead of delivering, each file with its reason so nothing is dropped
// silently: whole segments and records ClickHouse refused in failed/ (for `calypso spool redeliver`),
// damaged bytes in damaged/. Every writer cleans up after itself when the disk refuses, so a full disk
// leaves no empty reason or half a record behind: the caller keeps the segment queued and tries again.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ClosedSegment } from './spool.ts';

/** Makes a directory's entries durable (a new or renamed file is lost in a crash without it). */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsyncDir off the event loop: resolves to the error, or undefined once the entries are durable. */
export function fsyncDirLater(dir: string): Promise<unknown> {
  return fsp.open(dir, 'r').then(
    (h) => h.sync().then(() => h.close().then(() => undefined, () => undefined), (err: unknown) => h.close().then(() => err, () => err)),
    (err: unknown) => err,
  );
}

export const segmentBase = (seq: number, run: string) => `seg-${String(seq).padStart(16, '0')}-${run}`;

const reasonText = (why: string) => `${why === '' ? 'unknown' : why}\n`;

/**
 * Moves a segment into failed/, its reason written first. `recordwise`: some of its records may be in
 * ClickHouse under their own tokens, so it is named `…-r0.log` and a redelivery goes record by record
 * too. `reasonError` says why the reason could not be written (the caller logs the reason instead).
 */
export async function moveAside(spoolDir: string, segment: ClosedSegment, why: string, recordwise: boolean): Promise<{ where: string; reasonError: string | undefined }> {
  const dir = path.join(spoolDir, 'failed');
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const name = recordwise && segment.firstRecord === undefined ? `${path.basename(segment.file, '.log')}-r0.log` : path.basename(segment.file);
  const where = path.join(dir, name);
  let reasonError: string | undefined;
  try {
    await fsp.writeFile(`${where}.reason`, reasonText(why), { mode: 0o600 });
  } catch (err) {
    reasonError = (err as Error).message;
    await fsp.rm(`${where}.reason`, { force: true }).catch(() => {});
  }
  try {
    await fsp.rename(segment.file, where);
  } catch (err) {
    await fsp.rm(`${where}.reason`, { force: true }).catch(() => {});
    throw err;
  }
  return { where, reasonError };
}

/** Keeps record `index` of a segment (its token's suffix) that ClickHouse refused: `failed/seg-…-<index>.ndjson`. */
export function keepRefusedRecord(spoolDir: string, segment: ClosedSegment, index: number, record: Buffer, why: string): string {
  const dir = path.join(spoolDir, 'failed');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const base = path.join(dir, `${segmentBase(segment.seq, segment.token.split(':')[0]!)}-${index}`);
  try {
    fs.writeFileSync(`${base}.ndjson`, record, { mode: 0o600 });
    fs.writeFileSync(`${base}.reason`, reasonText(why), { mode: 0o600 });
  } catch (err) {
    fs.rmSync(`${base}.ndjson`, { force: true });
    fs.rmSync(`${base}.reason`, { force: true });
    throw err;
  }
  return `${base}.ndjson`;
}

/** Keeps damaged bytes found while reading a segment; false when an earlier attempt kept them already. */
export function keepDamaged(spoolDir: string, segment: ClosedSegment, offset: number, bytes: Buffer): boolean {
  const dir = path.join(spoolDir, 'damaged');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${path.basename(segment.file, '.log')}-${offset}.bin`);
  if (fs.existsSync(file) && fs.statSync(file).size === bytes.length) return false;
  try {
    fs.writeFileSync(file, bytes, { mode: 0o600 });
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  }
  return true;
}
