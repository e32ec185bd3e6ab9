#!/usr/bin/env -S node --max-semi-space-size=16
// Runs the TypeScript sources directly with Node's built-in type stripping (Node >= 22.18).
if (!process.features.typescript) {
  process.stderr.write(
    `calypso: Node ${process.versions.node} cannot run TypeScript; use Node 22.18 or newer ` +
      `(npm scripts use the node@24 from devDependencies: run "npm start")\n`,
  );
  process.exit(2);
}
await import('../src/cli/main.ts');
