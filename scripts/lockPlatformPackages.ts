// Records chdb's per-platform engine packages in package-lock.json when npm left them out.
//
// Why: this workplace's npm registry has only @chdb/lib-linux-x64-gnu. `npm install` then writes a lock
// without the other platforms' optional packages, and `npm ci` refuses it ("Missing: … from lock
// file"). Entries with their os/cpu let npm ci skip them on this platform, as a lock written with full
// registry access would. Run after any `npm install` that rewrites the lock: `npm run lock:platforms`.
import fs from 'node:fs';

const LOCK = new URL('../package-lock.json', import.meta.url);
const PLATFORMS: Record<string, { os: string; cpu: string; libc?: string }> = {
  '@chdb/lib-darwin-arm64': { os: 'darwin', cpu: 'arm64' },
  '@chdb/lib-darwin-x64': { os: 'darwin', cpu: 'x64' },
  '@chdb/lib-linux-arm64-gnu': { os: 'linux', cpu: 'arm64', libc: 'glibc' },
  '@chdb/lib-linux-x64-gnu': { os: 'linux', cpu: 'x64', libc: 'glibc' },
};

interface Lock {
  packages: Record<string, { version?: string; optionalDependencies?: Record<string, string>; [k: string]: unknown }>;
}

const lock = JSON.parse(fs.readFileSync(LOCK, 'utf8')) as Lock;
const wanted = lock.packages['node_modules/chdb']?.optionalDependencies ?? {};
let added = 0;
for (const [name, version] of Object.entries(wanted)) {
  const key = `node_modules/${name}`;
  const platform = PLATFORMS[name];
  if (lock.packages[key] !== undefined || platform === undefined) continue;
  const base = name.split('/')[1];
  lock.packages[key] = {
    version,
    resolved: `https://registry.npmjs.org/${name}/-/${base}-${version}.tgz`,
    cpu: [platform.cpu],
    ...(platform.libc === undefined ? {} : { libc: [platform.libc] }),
    license: 'Apache-2.0',
    optional: true,
    os: [platform.os],
  };
  added++;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`package-lock.json: ${added} platform package(s) of chdb recorded\n`);
