// `npm ci` (the first step of .ci/run) refuses a lock that lacks any of chdb's per-platform packages.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const lock = JSON.parse(fs.readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { optionalDependencies?: Record<string, string>; os?: string[] }>;
};

describe('package-lock.json', () => {
  it('records every platform package of chdb, so npm ci accepts it (else: npm run lock:platforms)', () => {
    const wanted = Object.keys(lock.packages['node_modules/chdb']?.optionalDependencies ?? {});
    expect(wanted.length).toBeGreaterThan(0);
    for (const name of wanted) expect(lock.packages[`node_modules/${name}`]?.os, name).toBeDefined();
  });
});
