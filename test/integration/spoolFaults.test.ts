// Disk faults that a tmpfs cannot produce (EIO from fdatasync, from a write): the kernel's answer is
// stood in for by replacing node:fs's call for one attempt. The appends it touched are refused with
// SpoolDiskError (503), the file is cut back to what was acknowledged, and nothing throws elsewhere.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Spool, SpoolDiskError } from '../../src/pipeline/spool.ts';
import { decodeSegment } from '../../src/pipeline/spoolRecord.ts';
import { tempDir } from '../support/testService.ts';

const eio = () => Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO', errno: -5, syscall: 'fdatasync' });
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The records in the spool's segments, as the next start would deliver them. */
async function stored(dir: string): Promise<string[]> {
  const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
  const out: string[] = [];
  for (let seg = spool.peek(); seg !== undefined; seg = spool.peek()) {
    out.push(...decodeSegment(fs.readFileSync(seg.file)).records.map((r) => r.toString().trim()));
    spool.forget(seg);
  }
  return out;
}

describe('spool disk faults', () => {
  afterEach(() => vi.restoreAllMocks());

  it('refuses the group whose fdatasync failed, keeps what was acknowledged, and goes on in a new segment', async () => {
    const dir = tempDir();
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    const faults: SpoolDiskError[] = [];
    spool.onDiskError = (e) => faults.push(e);
    await spool.append(Buffer.from('a1\n'));
    vi.spyOn(fs, 'fdatasync').mockImplementationOnce(((_fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => setImmediate(() => cb(eio()))) as unknown as typeof fs.fdatasync);
    const refused = await Promise.allSettled([spool.append(Buffer.from('b1\n')), spool.append(Buffer.from('b2\n'))]);
    expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ name: 'SpoolDiskError', status: 503, retryAfter: 5, errno: 'EIO', op: 'fdatasync' });
    expect(faults.map((f) => f.errno)).toEqual(['EIO']);
    await spool.append(Buffer.from('c1\n'));
    await spool.close();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.log'))).toHaveLength(2); // the faulty segment was closed
    expect(await stored(dir)).toEqual(['a1', 'c1']);
  });

  it('refuses a group whose write failed and cuts the file back, so a later record is not behind garbage', async () => {
    const dir = tempDir();
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    await spool.append(Buffer.from('a1\n'));
    const real = fs.writeSync;
    // Half the bytes go in, then the disk fails: as a write that fills the disk does.
    vi.spyOn(fs, 'writeSync')
      .mockImplementationOnce(((fd: number, buf: Buffer, off: number) => real(fd, buf, off, Math.floor((buf.length - off) / 2))) as typeof real)
      .mockImplementationOnce((() => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }) as typeof real);
    await expect(spool.append(Buffer.from('b1-longer-record\n'))).rejects.toMatchObject({ name: 'SpoolDiskError', errno: 'ENOSPC', op: 'write' });
    vi.restoreAllMocks();
    await spool.append(Buffer.from('c1\n'));
    await spool.close();
    const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.log'));
    const decoded = decodeSegment(fs.readFileSync(path.join(dir, file!)));
    expect(decoded.damaged).toEqual([]);
    expect(decoded.records.map((r) => r.toString().trim())).toEqual(['a1', 'c1']);
    expect(spool.pendingBytes).toBe(fs.statSync(path.join(dir, file!)).size);
  });

  it('gives the records appended in one turn of the event loop one write and one fdatasync', async () => {
    const dir = tempDir();
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    await spool.append(Buffer.from('a1\n')); // the segment's file is open
    await nextTurn(); // and its group commit over
    const syncs = vi.spyOn(fs, 'fdatasync');
    const writev = vi.spyOn(fs, 'writevSync');
    await Promise.all(['b1\n', 'b2\n', 'b3\n'].map((r) => spool.append(Buffer.from(r))));
    expect(syncs).toHaveBeenCalledTimes(1);
    expect(writev).toHaveBeenCalledTimes(1);
    await spool.close();
    expect(await stored(dir)).toEqual(['a1', 'b1', 'b2', 'b3']);
  });

  it('writes a group of several records in one writev, goes on after a short one, and cuts the file back when the rest fails', async () => {
    const dir = tempDir();
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    await spool.append(Buffer.from('a1\n'));
    const realWrite = fs.writeSync;
    // The first record and half of the second, as a writev the kernel cut short.
    const short = ((fd: number, bufs: Buffer[]) => realWrite(fd, bufs[0]!) + realWrite(fd, bufs[1]!, 0, Math.floor(bufs[1]!.length / 2))) as typeof fs.writevSync;
    const writev = vi.spyOn(fs, 'writevSync').mockImplementationOnce(short);
    // b1 starts an fdatasync (once its turn of the event loop ends); b2..b4 arrive while it runs and go in
    // together when it ends.
    const group = [spool.append(Buffer.from('b1\n'))];
    await nextTurn();
    group.push(...['b2-longer-record\n', 'b3\n', 'b4\n'].map((r) => spool.append(Buffer.from(r))));
    await Promise.all(group);
    expect(writev).toHaveBeenCalledTimes(2); // the short one, then the rest from where it stopped
    writev.mockImplementationOnce(short).mockImplementationOnce((() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }) as typeof fs.writevSync);
    const failing = [spool.append(Buffer.from('c1\n'))];
    await nextTurn();
    failing.push(...['c2-longer-record\n', 'c3\n', 'c4\n'].map((r) => spool.append(Buffer.from(r))));
    const settled = await Promise.allSettled(failing);
    expect(settled[0]!.status).toBe('fulfilled');
    for (const r of settled.slice(1)) expect((r as PromiseRejectedResult).reason).toMatchObject({ name: 'SpoolDiskError', errno: 'ENOSPC', op: 'write' });
    vi.restoreAllMocks();
    await spool.append(Buffer.from('d1\n'));
    await spool.close();
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.log'));
    const decoded = files.map((f) => decodeSegment(fs.readFileSync(path.join(dir, f))));
    for (const d of decoded) expect(d.damaged).toEqual([]);
    expect(await stored(dir)).toEqual(['a1', 'b1', 'b2-longer-record', 'b3', 'b4', 'c1', 'd1']);
  });

  it('answers an open the disk refuses with SpoolDiskError and leaves no empty segment', async () => {
    const dir = tempDir();
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    vi.spyOn(fs, 'open').mockImplementationOnce(((_file: string, _flags: string, _mode: number, cb: (err: NodeJS.ErrnoException | null) => void) =>
      setImmediate(() => cb(Object.assign(new Error('EDQUOT: disk quota exceeded, open'), { code: 'EDQUOT' })))) as unknown as typeof fs.open);
    await expect(spool.append(Buffer.from('a1\n'))).rejects.toMatchObject({ name: 'SpoolDiskError', errno: 'EDQUOT', op: 'open' });
    vi.restoreAllMocks();
    await spool.append(Buffer.from('a2\n'));
    await spool.close();
    expect(await stored(dir)).toEqual(['a2']);
  });

  it('acknowledges nothing in a new segment before its directory entry is durable: a failed directory fsync refuses the group, and the next goes on in a new segment', async () => {
    const dir = tempDir();
    const spool = await Spool.open({ dir, maxBytes: 1 << 30 });
    const real = fsp.open;
    vi.spyOn(fsp, 'open').mockImplementationOnce((async (...args: Parameters<typeof fsp.open>) => {
      const h = await real(...args);
      return Object.assign(Object.create(h) as typeof h, { sync: () => Promise.reject(eio()), close: () => h.close() });
    }) as typeof fsp.open);
    await expect(spool.append(Buffer.from('a1\n'))).rejects.toMatchObject({ name: 'SpoolDiskError', errno: 'EIO', op: 'open' });
    vi.restoreAllMocks();
    await spool.append(Buffer.from('a2\n'));
    await spool.close();
    expect(await stored(dir)).toEqual(['a2']);
  });
});
