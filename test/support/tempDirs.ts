// Global setup: every temporary file of this test run goes under one directory of its own, which the
// teardown checks and removes. Several runs share this machine (and its /tmp) at once, so a run only
// ever looks at, and deletes, its own directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-run-'));
  // The test workers are forked after this and inherit it: their os.tmpdir() is the run's directory.
  process.env.TMPDIR = root;
  return () => {
    const left = fs.readdirSync(root);
    fs.rmSync(root, { recursive: true, force: true });
    // A test that leaves something behind fails the run, naming what it left (vitest reports an error
    // thrown here but still exits 0, hence the exit code).
    if (left.length > 0) {
      process.exitCode = 1;
      throw new Error(`tests left ${left.length} temporary entries behind: ${left.slice(0, 20).join(', ')}`);
    }
  };
}
