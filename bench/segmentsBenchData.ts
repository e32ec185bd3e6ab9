// Child of segmentsBench.ts: builds the dataset in the embedded engine (events of BENCH_COOKIES cookies,
// 60 % of them consenting to advertising), defines two segments and times their refreshes through
// GraphQL. Prints one JSON line for the parent; the Redis index it builds stays for the look-up phase.
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createPseudonymiser } from '../src/privacy/pseudonymiser.ts';
import { createMemoryCache } from '../src/cache/memoryCache.ts';
import { Redis } from 'ioredis';
import { CONSENT_MIRROR_TTL_MS, consentCacheKey } from '../src/consent/consentMirror.ts';
import { startService } from '../src/service.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const COOKIES = Number(process.env.BENCH_COOKIES ?? 1_000_000);
const SAMPLE = 1000;
const log = (s: string) => process.stderr.write(`${s}\n`);

const config = { ...loadConfig({ ...process.env, CALYPSO_LOG_LEVEL: 'warn', CALYPSO_SEGMENT_TICK_MS: '3600000' }) };
const svc = await startService({ ...config, port: 0 }, { role: 'all', log: createLogger(config) });
const gql = async <T>(key: string, purpose: string, query: string): Promise<T> => {
  const res = await fetch(`${svc.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-calypso-purpose': purpose }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
};
const admin = svc.secrets.adminKey;
await gql(admin, 'ADMINISTRATION', 'mutation { createSite(id: "bench", name: "Bench", hostnames: ["bench.example"]) { id } }');
const { createApiKey } = await gql<{ createApiKey: { secret: string } }>(admin, 'ADMINISTRATION', 'mutation { createApiKey(name: "ad server", purposes: [ADVERTISING], sites: ["bench"]) { secret } }');

// Cookie ids c0…cN-1 → their pids, exactly as the collector derives them.
let t = performance.now();
const pseudonymiser = createPseudonymiser(svc.secrets, createMemoryCache());
await svc.store.command('CREATE TABLE bench_pids (i UInt32, pid UInt64) ENGINE = Memory');
for (let from = 0; from < COOKIES; from += 200_000) {
  const rows = [];
  for (let i = from; i < Math.min(COOKIES, from + 200_000); i++) rows.push({ i, pid: pseudonymiser.pseudonymise('bench', `c${i}`).pid });
  await svc.store.insert('bench_pids', rows);
}
log(`pseudonymised ${COOKIES.toLocaleString('en')} cookies in ${((performance.now() - t) / 1000).toFixed(1)} s`);

t = performance.now();
await svc.store.command(
  `INSERT INTO events (site, ts, event_id, pid, key_version, visitor_hash, type, name, host, path, referrer_source, referrer_host,
     utm_source, browser, os, device, screen, language, country, region, is_bot, consent, retention_days)
   SELECT 'bench', now64(3) - toIntervalMillisecond(r1 % (29 * 86400000)), toString(number), p.pid, 1, 0,
     if(r3 % 20 = 0, 'event', 'pageview'), if(r3 % 20 = 0, 'add_to_cart', ''), 'bench.example',
     concat('/p/', toString(intDiv(1000, 1 + r4 % 1000))), ['direct', 'search', 'social', 'other'][1 + r5 % 4], '',
     ['', '', 'yandex', 'vk'][1 + r5 % 4], ['Chrome', 'Yandex', 'Safari', 'Firefox'][1 + r4 % 4], ['Windows', 'Android', 'iOS', 'macOS'][1 + r3 % 4],
     ['desktop', 'mobile', 'tablet'][1 + r1 % 3], '1920x1080', 'ru-ru', ['RU', 'KZ', 'DE', 'US'][1 + r5 % 4], '', 0, 5, 395
   FROM (SELECT number, rand(1) AS r1, rand(2) % {cookies:UInt32} AS i, rand(3) AS r3, rand(4) AS r4, rand(5) AS r5 FROM numbers({n:UInt64})) AS e
   INNER JOIN bench_pids AS p ON p.i = e.i`,
  { n: EVENTS, cookies: COOKIES },
);
await svc.store.command(
  `INSERT INTO consents (site, pid, key_version, flags, source, updated_at) SELECT 'bench', pid, 1, if(i % 10 < 6, 13, 1), 'import', now64(3) FROM bench_pids`,
);
log(`generated ${EVENTS.toLocaleString('en')} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);

// The consents are mirrored as the service mirrors a recorded change (consentStore.ts): an ad server's
// look-ups are measured in the steady state, where the mirror holds them. Inserted behind the service's
// back they were not: the warm-up's look-ups read each back from ClickHouse and mirrored it for
// CONSENT_READBACK_TTL_MS (60 s) only, so a minute later, and every minute after, each cookie's look-up
// waited for a ClickHouse read again: 1.7 % of the look-ups at 1 000 req/s over the 1 000 sampled cookies,
// the whole p99, landing on whichever case was being measured then.
t = performance.now();
if (config.redisUrl !== undefined) {
  const redis = new Redis(config.redisUrl, { keyPrefix: config.redisKeyPrefix });
  const rows = await svc.store.query<{ pid: string; flags: number }>("SELECT toString(pid) AS pid, argMax(flags, updated_at) AS flags FROM consents WHERE site = 'bench' GROUP BY pid");
  for (let i = 0; i < rows.length; i += 10_000) {
    const batch = redis.pipeline();
    for (const r of rows.slice(i, i + 10_000)) batch.set(consentCacheKey('bench', r.pid), String(r.flags), 'PX', CONSENT_MIRROR_TTL_MS);
    await batch.exec();
  }
  redis.disconnect();
  log(`mirrored ${rows.length.toLocaleString('en')} consents in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const define = async (name: string, rule: string) =>
  (await gql<{ defineSegment: { id: string } }>(admin, 'ADMINISTRATION', `mutation { defineSegment(site: "bench", name: "${name}", rule: ${rule}) { id } }`)).defineSegment.id;
const segments = [
  { name: 'catalogue readers', id: await define('catalogue readers', '{ visited: { path: { prefix: "/p/1" }, atLeast: 2 } }') },
  { name: 'regulars on mobile', id: await define('regulars on mobile', '{ all: [{ visits: { atLeast: 8 } }, { attribute: { dimension: DEVICE, in: ["mobile"] } }] }') },
];
const refreshes = [];
for (const s of segments) {
  const ms: number[] = [];
  let size = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = await gql<{ refreshSegment: { size: number } }>(admin, 'ADMINISTRATION', `mutation { refreshSegment(id: "${s.id}") { size } }`);
    ms.push(performance.now() - t0);
    size = r.refreshSegment.size;
  }
  refreshes.push({ name: s.name, size, ms: [...ms].sort((a, b) => a - b)[1] });
  log(`refreshed "${s.name}": ${size.toLocaleString('en')} members, ${ms.map((m) => (m / 1000).toFixed(1)).join(' / ')} s`);
}
const sample = Array.from({ length: SAMPLE }, (_, i) => ({ cookie: `c${i}`, pid: pseudonymiser.pseudonymise('bench', `c${i}`).pid }));
await svc.store.command('DROP TABLE bench_pids');
// The look-ups are measured in steady state: the bulk load's parts merged now, not by the server's
// background merges while it is being measured (they ran on the server's core and were counted in its CPU).
const merging = performance.now();
for (const table of ['events', 'consents', 'segment_members']) await svc.store.command(`OPTIMIZE TABLE ${table} FINAL`);
log(`merged the bulk load in ${((performance.now() - merging) / 1000).toFixed(1)} s`);
await svc.stop();
process.stdout.write(`${JSON.stringify({ key: createApiKey.secret, refreshes, sample })}\n`);
process.exit(0);
