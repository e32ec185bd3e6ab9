// The Docker image's runtime stage copies src/ and the built dashboard, not web/'s sources: the web/
// modules the server imports (the overview's request, src/dashboard/overviewPrefetch.ts) are copied one by
// one. This checks the list holds every module they import at run time (type-only imports are erased).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** Relative modules a file imports at run time (not `import type`, not `type` names alone). */
function runtimeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)([^'";]*?)\s*from\s+'(\.[^']+)'/gm)) {
    const names = m[1]!.replace(/[{}*]/g, ' ').split(',').map((n) => n.trim()).filter((n) => n !== '');
    if (names.length > 0 && names.every((n) => n.startsWith('type '))) continue;
    out.push(path.resolve(path.dirname(file), m[2]!));
  }
  return out;
}

function closure(start: string): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    todo.push(...runtimeImports(f));
  }
  return seen;
}

describe('the Docker image', () => {
  it('copies every web/ module the server imports at run time', () => {
    const fromServer = new Set<string>();
    const walk = (dir: string) => {
      for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, d.name);
        if (d.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) for (const i of runtimeImports(p)) if (i.startsWith(path.join(root, 'web') + path.sep)) fromServer.add(i);
      }
    };
    walk(path.join(root, 'src'));
    expect(fromServer.size).toBeGreaterThan(0);
    const needed = new Set([...fromServer].flatMap((f) => [...closure(f)]).map((f) => path.relative(root, f)));
    const dockerfile = fs.readFileSync(path.join(root, 'docker/Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const copied = new Set([...runtime.matchAll(/^COPY (?!--from)(.+) \.\/web\/\S*$/gm)].flatMap((m) => m[1]!.split(/\s+/)));
    expect([...needed].filter((f) => !copied.has(f))).toEqual([]);
  });
});
