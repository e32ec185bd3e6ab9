// The service's Node flags (a young generation of at most 16 MB a half: its scavenges pause the look-ups a
// few ms instead of 10–35, docs/performance.md "segp99") must be the same wherever it is started: `npm
// start`, the `calypso` script, the Docker image, bin/calypso.js's first line, and the benches that
// measure it. A V8 flag set once the process runs does not resize the heap, so each start names it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVICE_NODE_FLAGS } from '../../bench/benchChild.ts';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const flags = SERVICE_NODE_FLAGS.join(' ');

describe('the service’s Node flags', () => {
  it('are named by every way the service starts', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe(`exec node ${flags} bin/calypso.js start`);
    expect(scripts.calypso).toBe(`node ${flags} bin/calypso.js`);
    expect(read('bin/calypso.js').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${flags}`);
    expect(read('docker/Dockerfile')).toContain(`ENTRYPOINT ["node", ${SERVICE_NODE_FLAGS.map((f) => JSON.stringify(f)).join(', ')}, "bin/calypso.js"]`);
  });

  it('bound the young generation as they say', () => {
    // Objects kept alive in batches, as a busy service keeps its requests' and caches' objects: without the
    // flag V8 grows the young generation to 64 MB a half on this heap; with it, to 16.
    const probe = `const v8 = require('node:v8'); let keep = []; let most = 0;
      for (let i = 0; i < 4e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 2e5) keep = [];
        if (i % 1e5 === 0) most = Math.max(most, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size); }
      process.stdout.write(String(most));`;
    const run = (args: readonly string[]) => Number(spawnSync(process.execPath, [...args, '-e', probe], { encoding: 'utf8' }).stdout);
    const bounded = run(SERVICE_NODE_FLAGS);
    expect(bounded).toBeGreaterThan(0);
    // Two semi-spaces of 16 MB, and a few pages more while a scavenge runs (32–33 MB here, 35 once under
    // the full suite's load); without the flag, 128 MB.
    const BOUND = 2 * 16 * 2 ** 20 + 8 * 2 ** 20;
    expect(bounded).toBeLessThanOrEqual(BOUND);
    // The probe makes the young generation grow past that without the flag: the check above can fail.
    expect(run([])).toBeGreaterThan(BOUND);
  });
});
