// The statistics bench's data (bench:stats, bench:dashboard): a site "bench" and generated events over
// the last 29 days in one INSERT … SELECT, so ten million rows take seconds, not an import.
import type { RunningService } from '../src/service.ts';

export const BENCH_SITE = 'bench';

export type BenchGraphql = (key: string, purpose: string, query: string, variables?: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** A GraphQL call to the service under a key and purpose; an error answer throws. */
export function benchGraphql(svc: RunningService): BenchGraphql {
  return async (key, purpose, query, variables) => {
    const res = await fetch(`${svc.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-calypso-purpose': purpose },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!;
  };
}

/** Creates the site and a STATISTICS key for it; returns the key's secret. */
export async function createBenchSite(svc: RunningService, gql: BenchGraphql): Promise<string> {
  const admin = svc.secrets.adminKey;
  await gql(admin, 'ADMINISTRATION', `mutation { createSite(id: "${BENCH_SITE}", name: "Bench", hostnames: ["bench.example"]) { id } }`);
  const made = (await gql(admin, 'ADMINISTRATION', `mutation { createApiKey(name: "bench", purposes: [STATISTICS], sites: ["${BENCH_SITE}"]) { secret } }`)) as { createApiKey: { secret: string } };
  return made.createApiKey.secret;
}

/** Inserts `events` hits of `cookies` cookies, spread over the last 29 days. */
export async function generateBenchEvents(svc: RunningService, events: number, cookies: number): Promise<void> {
  process.stderr.write(`generating ${events.toLocaleString('en')} events of ${cookies.toLocaleString('en')} cookies over 30 days …\n`);
  const t = performance.now();
  await svc.store.command(`INSERT INTO events (site, ts, event_id, pid, key_version, visitor_hash, type, name, host, path, referrer_source, referrer_host,
    utm_source, browser, os, device, screen, language, country, region, is_bot, consent, retention_days)
  SELECT 'bench', now64(3) - toIntervalMillisecond(rand(1) % (29 * 86400000)), toString(number), 1 + rand(2) % {cookies:UInt32}, 1, 0,
    if(rand(3) % 20 = 0, 'event', 'pageview'), if(rand(3) % 20 = 0, 'add_to_cart', ''), 'bench.example',
    concat('/p/', toString(intDiv(1000, 1 + rand(4) % 1000))),
    ['direct', 'search', 'social', 'other'][1 + rand(5) % 4], ['', 'yandex.ru', 'vk.com', 'example.org'][1 + rand(5) % 4],
    ['', '', 'yandex', 'vk'][1 + rand(6) % 4], ['Chrome', 'Yandex', 'Safari', 'Firefox'][1 + rand(7) % 4], ['Windows', 'Android', 'iOS', 'macOS'][1 + rand(7) % 4],
    ['desktop', 'mobile', 'tablet'][1 + rand(8) % 3], '1920x1080', 'ru-ru', ['RU', 'KZ', 'DE', 'US'][1 + rand(9) % 4], '', 0, 1, 395
  FROM numbers({n:UInt64})`, { n: events, cookies });
  process.stderr.write(`generated in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
}

/**
 * Baseline B1 of issue 14, straight to the engine: daily unique visitors of the site over the days
 * `from`–`to` (both inclusive, UTC), without bots. Returns its time in ms.
 */
export async function timeB1(svc: RunningService, from: string, to: string): Promise<number> {
  const end = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const s = performance.now();
  await svc.store.query(
    `SELECT toDate(ts) AS d, uniq(pid) AS visitors FROM events
     WHERE site = {site:String} AND ts >= toDateTime64({from:String}, 3, 'UTC') AND ts < toDateTime64({to:String}, 3, 'UTC') AND is_bot = 0
     GROUP BY d`,
    { site: BENCH_SITE, from: `${from} 00:00:00`, to: `${end} 00:00:00` },
  );
  return performance.now() - s;
}
