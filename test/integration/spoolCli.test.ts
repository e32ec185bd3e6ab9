// `calypso spool redeliver` as a user runs it: what a spool set aside goes back into the spool, named
// so that its dedup token is the one it had, with a line per file and a summary.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool } from '../../src/pipeline/spool.ts';
import { runCli } from '../support/cliProcess.ts';
import { freePort } from '../support/ports.ts';
import { tempDir } from '../support/testService.ts';

describe('calypso spool redeliver', () => {
  it('moves set-aside segments and records of a table back into its spool and says what it did', async () => {
    const dataDir = tempDir();
    const dir = path.join(dataDir, 'spool', 'events');
    const spool = await Spool.open({ dir, maxBytes: 1 << 20 });
    await spool.append(Buffer.from('{"event_id":"x"}\n'));
    await spool.rotate();
    const seg = spool.peek()!;
    await spool.setAside(seg, 'test: unreadable');
    const failed = path.join(dir, 'failed');
    spool.saveFailed(seg, 3, Buffer.from('{"event_id":"y"}\n'), 'test: refused');
    await spool.close();
    const segName = path.basename(seg.file);
    const base = segName.replace(/\.log$/, '');
    expect(fs.readdirSync(failed).sort()).toEqual([`${base}-3.ndjson`, `${base}-3.reason`, segName, `${segName}.reason`].sort());

    const cli = runCli(['spool', 'redeliver', '--table', 'events'], { CALYPSO_DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(await cli.exited()).toBe(0);
    expect(cli.stdout()).toMatch(/events: 1 segments and 1 records \([\d.]+ MiB\) put back/);
    expect(cli.stdout()).toMatch(/they are delivered at the next start/);
    expect(fs.readdirSync(failed)).toEqual([]);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort()).toEqual([`${base}-r3.log`, segName].sort());
    // As the next start sees them: the segment under its own token, the record under <token>/3.
    const reopened = await Spool.open({ dir, maxBytes: 1 << 20 });
    const queued = [reopened.peek()!];
    await reopened.ack(queued[0]!);
    queued.push(reopened.peek()!);
    expect(queued.map((s) => [s.token, s.firstRecord]).sort()).toEqual([[seg.token, 3], [seg.token, undefined]].sort());

    const again = runCli(['spool', 'redeliver'], { CALYPSO_DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(await again.exited()).toBe(0);
    expect(again.stdout()).toMatch(/nothing was set aside/);
  });
});
