// Whole files read and written in one call each (src/store/wholeFile.ts): what delivery moves per segment.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWholeFile, writeWholeFile } from '../../src/store/wholeFile.ts';
import { tempDir } from '../support/testService.ts';

describe('whole files', () => {
  it('writes bytes or text, replacing a longer file, private to the service, and reads them back whole', async () => {
    const file = path.join(tempDir(), 'rows.ndjson');
    // Larger than the 512 KiB that fs.promises moves per call, and not a multiple of it.
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 'ab');
    await writeWholeFile(file, bytes, 0o600);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect((await readWholeFile(file)).equals(bytes)).toBe(true);

    fs.writeFileSync(file, 'x'.repeat(5 << 20));
    await writeWholeFile(file, bytes, 0o600);
    expect(fs.statSync(file).size).toBe(bytes.length);
    expect((await readWholeFile(file)).equals(bytes)).toBe(true);

    // Pieces, as delivery hands a segment's records: written in order, none joined in memory first.
    const pieces = Array.from({ length: 2_000 }, (_, i) => Buffer.from(`{"n":${i}}\n`));
    await writeWholeFile(file, pieces, 0o600);
    expect((await readWholeFile(file)).equals(Buffer.concat(pieces))).toBe(true);

    await writeWholeFile(file, 'é\n', 0o600);
    expect(await readWholeFile(file)).toEqual(Buffer.from('é\n'));
  });

  it('reads an empty file as no bytes, and a missing one as ENOENT', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'empty'), '');
    expect((await readWholeFile(path.join(dir, 'empty'))).length).toBe(0);
    await expect(readWholeFile(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
