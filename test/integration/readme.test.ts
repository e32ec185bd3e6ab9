// The README's example, run as written against `calypso start`: only the port and data directory
// differ, so the test can run beside a developer's own instance.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { readSdl } from '../../src/graphql/buildSchema.ts';
import { runCli } from '../support/cliProcess.ts';
import { freePort } from '../support/ports.ts';
import { tempDir } from '../support/testService.ts';

const README = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function example(): string {
  const m = /<!-- readme-example:start -->\n```sh\n([\s\S]*?)```\n<!-- readme-example:end -->/.exec(README);
  if (m === null) throw new Error('README.md has no readme-example block');
  return m[1]!;
}

describe('README', () => {
  it('its first command is npm install && npm start, its second npm test', () => {
    const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((b) => b[1]!.trim());
    expect(blocks[0]).toBe('npm install && npm start');
    expect(blocks).toContain('npm test');
  });

  it('its GraphQL operations are valid against the schema', () => {
    const schema = makeExecutableSchema({ typeDefs: readSdl() });
    // Blocks that are operations (not field signatures) must parse and validate as written.
    const operations = [...README.matchAll(/```graphql\n([\s\S]*?)```/g)].map((b) => b[1]!).filter((b) => /^(mutation|query)?\s*\{/.test(b.trim()));
    expect(operations.length).toBeGreaterThan(0);
    for (const op of operations) expect(validate(schema, parse(op)).map((e) => e.message)).toEqual([]);
    // The other blocks list root fields with their arguments: every one named must exist, with those arguments.
    const roots = { ...schema.getQueryType()!.getFields(), ...schema.getMutationType()!.getFields() };
    const listed = [...README.matchAll(/```graphql\n([\s\S]*?)```/g)]
      .map((b) => b[1]!)
      .filter((b) => !operations.includes(b))
      .flatMap((b) => [...b.matchAll(/(?:^|\s)(\w+)\(([^)]*)\)\s*:/gm)].map((m) => ({ field: m[1]!, args: [...m[2]!.matchAll(/(\w+)\s*:/g)].map((a) => a[1]!) })));
    expect(listed.length).toBeGreaterThan(10);
    for (const { field, args } of listed) {
      expect(roots[field], `README lists ${field}`).toBeDefined();
      expect(args.filter((a) => !roots[field]!.args.some((x) => x.name === a)), `${field}'s arguments`).toEqual([]);
    }
  });

  it('its curl example works against a fresh start', async () => {
    const cwd = tempDir();
    const port = await freePort();
    const run = runCli(['start'], { CALYPSO_DATA_DIR: path.join(cwd, 'data'), PORT: String(port) });
    try {
      await run.waitFor(/Calypso is serving on/);
      const script = example().replaceAll('127.0.0.1:4000', `127.0.0.1:${port}`);
      const out = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd, encoding: 'utf8', timeout: 30_000 });
      expect(out.stderr).toBe('');
      expect(out.stdout.trim().split('\n').at(-1)).toBe('{"data":{"stats":{"totals":{"pageviews":2,"visitors":2}}}}');
    } finally {
      run.child.kill('SIGTERM');
      await run.exited();
    }
  });
});
