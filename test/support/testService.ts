// An in-process Calypso on a temporary data directory and a free port, with small GraphQL/collect helpers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Role } from '../../src/config/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startService, type RunningService } from '../../src/service.ts';
import { createCacheLock } from '../../src/cache/cacheLock.ts';
import { createMemoryCache } from '../../src/cache/memoryCache.ts';
import { openEventStore, type EventStore } from '../../src/store/eventStore.ts';
import { migrate } from '../../src/store/migrate.ts';

export interface TestService extends RunningService {
  readonly dataDir: string;
  readonly adminKey: string;
  gql<T = Record<string, unknown>>(key: string | undefined, purpose: string | undefined, query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
  collect(body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: { accepted: number; rejected: Array<{ index: number; error: string; code?: string; field: string }> } }>;
}

export interface GqlResult<T> {
  status: number;
  data: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string } }>;
}

/** A browser's user agent: hits from tools (curl, node's fetch) are bots, stored but never counted. */
export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

const made = new Set<string>();

/** A new directory under the run's temporary directory, removed after the test file (removeTempDirs). */
export function tempDir(prefix = 'calypso-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes every directory tempDir() made in this process; test/support/cleanup.ts runs it after each file. */
export function removeTempDirs(): void {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  made.clear();
}

/** An embedded engine in `dataDir` (a new temp dir by default) with every migration applied. */
export async function openMigratedStore(dataDir = tempDir()): Promise<EventStore> {
  const store = await openEventStore(loadConfig({ CALYPSO_DATA_DIR: dataDir }));
  await migrate(store, createCacheLock(createMemoryCache()));
  return store;
}

export async function startTestService(opts: { env?: Record<string, string>; dataDir?: string; role?: Role; dashboardDir?: string } = {}): Promise<TestService> {
  const dataDir = opts.dataDir ?? tempDir();
  const config = { ...loadConfig({ NODE_ENV: 'test', CALYPSO_DATA_DIR: dataDir, CALYPSO_FLUSH_INTERVAL_MS: '20', CALYPSO_LOG_LEVEL: 'silent', ...opts.env }), port: 0 };
  const service = await startService(config, { role: opts.role ?? 'all', log: createLogger(config), dashboardDir: opts.dashboardDir });
  return {
    ...service,
    dataDir,
    adminKey: service.secrets.adminKey,
    async gql(key, purpose, query, variables) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (key !== undefined) headers.authorization = `Bearer ${key}`;
      if (purpose !== undefined) headers['x-calypso-purpose'] = purpose;
      const res = await fetch(`${service.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as { data?: unknown; errors?: GqlResult<unknown>['errors'] };
      return { status: res.status, data: (body.data ?? null) as never, errors: body.errors };
    },
    async collect(body, headers = {}) {
      const res = await fetch(`${service.url}/collect`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA, ...headers }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as never };
    },
  };
}

/** Creates a site and a key for it; returns the key's secret. */
export async function siteWithKey(svc: TestService, site: string, purposes: string[], extra = ''): Promise<string> {
  const created = await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { createSite(id: "${site}", name: "${site}", hostnames: ["${site}.example"]${extra}) { id } }`);
  if (created.errors) throw new Error(JSON.stringify(created.errors));
  const key = await svc.gql<{ createApiKey: { secret: string } }>(
    svc.adminKey,
    'ADMINISTRATION',
    `mutation($p: [Purpose!]!, $s: [ID!]!) { createApiKey(name: "test", purposes: $p, sites: $s) { secret } }`,
    { p: purposes, s: [site] },
  );
  if (key.errors || key.data === null) throw new Error(JSON.stringify(key.errors));
  return key.data.createApiKey.secret;
}

/** POSTs `events` to /v1/import as NDJSON under the admin key; the import's answer (not yet flushed). */
export async function importNdjson(svc: TestService, events: readonly object[]): Promise<{ accepted: number; rejected: unknown[] }> {
  const res = await fetch(`${svc.url}/v1/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION' },
    body: events.map((e) => JSON.stringify(e)).join('\n'),
  });
  return (await res.json()) as { accepted: number; rejected: unknown[] };
}

/**
 * Creates UTC sites with k = 2, imports `hitsOf(site)` into each (every hit accepted, or it throws) and
 * makes a STATISTICS key for them all; returns its secret once the hits are in ClickHouse.
 */
export async function importedSites(svc: TestService, sites: readonly string[], hitsOf: (site: string) => readonly object[]): Promise<string> {
  for (const id of sites) {
    const made = await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { createSite(id: "${id}", name: "${id}", hostnames: ["${id}.example"], timezone: "UTC", kAnonymity: 2) { id } }`);
    if (made.errors) throw new Error(JSON.stringify(made.errors));
    const body = hitsOf(id);
    const answer = await importNdjson(svc, body);
    if (answer.accepted !== body.length) throw new Error(`import into ${id}: ${JSON.stringify(answer)}`);
  }
  const made = await svc.gql<{ createApiKey: { secret: string } }>(svc.adminKey, 'ADMINISTRATION', 'mutation($s: [ID!]!) { createApiKey(name: "s", purposes: [STATISTICS], sites: $s) { secret } }', { s: sites });
  if (made.errors || made.data === null) throw new Error(JSON.stringify(made.errors));
  await svc.flush();
  return made.data.createApiKey.secret;
}

/** Polls until `fn` returns a value `ok` accepts (ingest is asynchronous by design). */
export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}
