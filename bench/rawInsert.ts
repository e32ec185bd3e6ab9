// Baseline for batched ingest, in its own process on the server core (as the service is): the same
// rows, already pseudonymised, inserted with @clickhouse/client into a fresh chDB, 10 000 rows per insert,
// for BENCH_SECONDS. Prints "rate <events/s>".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-bench-raw-'));
const raw = createClient({ connection: createChdbConnection({ path: dir }) as never });
await raw.command({ query: fs.readFileSync(path.join(root, 'schema/clickhouse/0001_init.sql'), 'utf8').split(/;\s*$/m).find((s) => s.includes('CREATE TABLE IF NOT EXISTS events'))! });
const row = (i: number) => ({ site: 'bench', ts: new Date().toISOString().replace('T', ' ').replace('Z', ''), event_id: `e${i}`, pid: String(1000 + i), key_version: 1, visitor_hash: '0', type: 'pageview', name: '', host: 'bench.example', path: `/p/${i % 50}`, referrer_source: 'direct', referrer_host: '', utm_source: 'x', utm_medium: '', utm_campaign: '', utm_term: '', utm_content: '', browser: '', os: '', device: '', screen: '1920x1080', language: 'ru-ru', country: '', region: '', is_bot: 0, consent: 1, engagement_ms: 0, props: {}, retention_days: 395 });
const rows = Array.from({ length: 10_000 }, (_, i) => row(i));
const t0 = performance.now();
let inserted = 0;
while (performance.now() - t0 < SECONDS * 1000) {
  await raw.insert({ table: 'events', values: rows, format: 'JSONEachRow' });
  inserted += rows.length;
}
process.stdout.write(`rate ${inserted / ((performance.now() - t0) / 1000)}\n`);
await raw.close();
fs.rmSync(dir, { recursive: true, force: true });
