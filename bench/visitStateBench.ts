// What the shared visit state costs a hit: single-hit requests placed and committed through the assigner
// with the in-process store (baseline) and the Redis store (locks, read, write, release: four round
// trips), one at a time (latency) and BENCH_CONCURRENCY at a time (throughput), on a redis-server of its
// own on a free loopback port (or BENCH_REDIS_URL). Prints µs per hit and the ratio to the baseline.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedisCache } from '../src/cache/redisCache.ts';
import { loadConfig } from '../src/config/config.ts';
import type { EventRow } from '../src/privacy/toEventRow.ts';
import { openEventStore } from '../src/store/eventStore.ts';
import { nowSql } from '../src/store/sqlTime.ts';
import { redisVisitStateStore, SINCE_KEY } from '../src/visits/redisVisitStateStore.ts';
import { createVisitAssigner } from '../src/visits/visitAssigner.ts';
import { memoryVisitStateStore, type VisitStateStore } from '../src/visits/visitStateStore.ts';

const HITS = Number(process.env.BENCH_HITS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const KEEP = 2 * 3_600_000;

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });

let server: ReturnType<typeof spawn> | undefined;
let url = process.env.BENCH_REDIS_URL;
if (url === undefined) {
  const port = await freePort();
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  url = `redis://127.0.0.1:${port}`;
  await sleep(300);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-bench-visits-'));
const store = await openEventStore(loadConfig({ CALYPSO_DATA_DIR: dir }));
const cache = createRedisCache(url, { keyPrefix: `bench:vis:${process.pid}:` });
await cache.ready;
await cache.redis.set(SINCE_KEY, String(Date.now() - KEEP));

const hit = (i: number, ms: number): EventRow =>
  ({
    ...{ site: 'bench', ts: nowSql(new Date(ms)), event_id: `e${i}`, pid: String(1000 + (i % 2000)), key_version: 1, visitor_hash: '0', type: 'pageview', name: '', host: 'h', path: `/p/${i % 50}` },
    ...{ referrer_source: 'direct', referrer_host: '', utm_source: '', utm_medium: '', utm_campaign: '', utm_term: '', utm_content: '' },
    ...{ browser: 'Firefox', os: 'Linux', device: 'desktop', screen: '', language: 'ru', country: 'RU', region: '', is_bot: 0, consent: 1, engagement_ms: 0, props: {}, retention_days: 30 },
  }) as EventRow;

/** µs per hit: HITS single-hit requests, `parallel` at a time, visitors reused every 2 000 hits. */
async function measure(state: VisitStateStore, parallel: number): Promise<number> {
  const assigner = createVisitAssigner({ store, state, maxFutureMs: 0 });
  const base = Date.now() - 3_600_000;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = next++; i < HITS; i = next++) {
        const ms = base + i * 100;
        const placed = await assigner.place([{ row: hit(i, ms), ms }]);
        await placed.commit();
      }
    }),
  );
  return ((performance.now() - t0) * 1000) / HITS;
}

const memory = () => {
  const m = memoryVisitStateStore({ keepMs: KEEP, maxVisitors: 100_000 });
  // As the Redis store's marker: complete for the last two hours, so no hit asks ClickHouse.
  void m.load([], Date.now() - KEEP);
  return m;
};
const shared = () => redisVisitStateStore(cache, { keepMs: KEEP });
// Warm-up of both paths (JIT, connection), then the measured runs, alternating.
await measure(memory(), 1);
await measure(shared(), 1);
// The unit of the added cost: one round trip to this Redis.
const t0 = performance.now();
for (let i = 0; i < 2000; i++) await cache.redis.ping();
const rtt = ((performance.now() - t0) * 1000) / 2000;
process.stdout.write(`one round trip (PING): ${rtt.toFixed(1)} µs\n`);
for (const parallel of [1, CONCURRENCY]) {
  const m = await measure(memory(), parallel);
  const r = await measure(shared(), parallel);
  process.stdout.write(`concurrency ${parallel}: memory ${m.toFixed(1)} µs/hit, redis ${r.toFixed(1)} µs/hit, added ${(r - m).toFixed(1)} µs/hit, ratio ${(r / m).toFixed(1)}\n`);
  if (parallel === 1) process.stdout.write(`  added / PING round trip: ${((r - m) / rtt).toFixed(1)}\n`);
}
// KEYS takes the pattern unprefixed.
const keys = await cache.redis.keys(`${cache.keyPrefix}*`);
if (keys.length > 0) await cache.redis.del(...keys.map((k) => k.slice(cache.keyPrefix.length)));
await cache.close();
await store.close();
fs.rmSync(dir, { recursive: true, force: true });
server?.kill('SIGTERM');
