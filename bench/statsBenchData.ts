// The statistics bench's data (bench:stats, bench:dashboard): a site "bench" and generated events over
// the last 29 days in one INSERT … SELECT, so ten million rows take seconds, not an import.
import http from 'node:http';
import type { RunningService } from '../src/service.ts';

export const BENCH_SITE = 'bench';

export type BenchGraphql = (key: string, purpose: string, query: string, variables?: Record<string, unknown>) => Promise<Record<string, unknown>>;

/**
 * A GraphQL call to the service under a key and purpose; an error answer throws. Through node:http on
 * kept-alive connections, not fetch: the benches' client runs in the service's own process and thread,
 * where undici's fetch took 0.3–0.5 ms of CPU per request more than this (a cached answer's whole
 * server side is some 0.15 ms; docs/performance.md "cached (2026-12-01, session 3)").
 */
export function benchGraphql(svc: RunningService): BenchGraphql {
  const url = new URL('/graphql', svc.url);
  const agent = new http.Agent({ keepAlive: true });
  return (key, purpose, query, variables) =>
    new Promise((resolve, reject) => {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-calypso-purpose': purpose };
      const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('error', reject);
        res.on('end', () => {
          try {
            const body = JSON.parse(text) as { data?: Record<string, unknown>; errors?: unknown[] };
            if (body.errors) reject(new Error(JSON.stringify(body.errors)));
            else resolve(body.data!);
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      });
      req.on('error', reject);
      req.end(JSON.stringify({ query, variables }));
    });
}

/** Creates the site and a STATISTICS key for it; returns the key's secret. */
export async function createBenchSite(svc: RunningService, gql: BenchGraphql): Promise<string> {
  const admin = svc.secrets.adminKey;
  await gql(admin, 'ADMINISTRATION', `mutation { createSite(id: "${BENCH_SITE}", name: "Bench", hostnames: ["bench.example"]) { id } }`);
  const made = (await gql(admin, 'ADMINISTRATION', `mutation { createApiKey(name: "bench", purposes: [STATISTICS], sites: ["${BENCH_SITE}"]) { secret } }`)) as { createApiKey: { secret: string } };
  return made.createApiKey.secret;
}

/**
 * Inserts about `events` hits of `cookies` cookies over the last 29 days, as visits: each of events / 4
 * visits starts at a random time and has 1–7 hits 30–150 s apart (4 on average); the visitor's browser,
 * OS, device and country stay the visitor's, the source and UTM the visit's, the page is the hit's. The
 * hits carry no visit (visit_id 0, as stored before visits were formed at ingest): `deriveBenchVisits`
 * (benchVisits.ts) forms them by the collector's rule, or the backfill does (visitsBackfillBench.ts).
 */
export async function generateBenchEvents(svc: RunningService, events: number, cookies: number): Promise<void> {
  process.stderr.write(`generating about ${events.toLocaleString('en')} events (visits of 1–7 hits) of ${cookies.toLocaleString('en')} cookies over 30 days …\n`);
  const t = performance.now();
  await svc.store.command(`INSERT INTO events (site, ts, event_id, pid, key_version, visitor_hash, type, name, host, path, referrer_source, referrer_host,
    utm_source, browser, os, device, screen, language, country, region, is_bot, consent, retention_days)
  SELECT 'bench', start + toIntervalMillisecond(h * (30000 + cityHash64(v, h, 10) % 120000)), concat(toString(v), '-', toString(h)), pid, 1, 0,
    if(cityHash64(v, h, 3) % 20 = 0, 'event', 'pageview'), if(cityHash64(v, h, 3) % 20 = 0, 'add_to_cart', ''), 'bench.example',
    concat('/p/', toString(intDiv(1000, 1 + cityHash64(v, h, 4) % 1000))),
    ['direct', 'search', 'social', 'other'][1 + cityHash64(v, 5) % 4], ['', 'yandex.ru', 'vk.com', 'example.org'][1 + cityHash64(v, 5) % 4],
    ['', '', 'yandex', 'vk'][1 + cityHash64(v, 6) % 4], ['Chrome', 'Yandex', 'Safari', 'Firefox'][1 + pid % 4], ['Windows', 'Android', 'iOS', 'macOS'][1 + pid % 4],
    ['desktop', 'mobile', 'tablet'][1 + pid % 3], '1920x1080', 'ru-ru', ['RU', 'KZ', 'DE', 'US'][1 + intDiv(pid, 7) % 4], '', 0, 1, 395
  FROM (
    SELECT number AS v, now64(3) - toIntervalMillisecond(cityHash64(v, 1) % (29 * 86400000)) AS start, 1 + cityHash64(v, 2) % {cookies:UInt32} AS pid,
      range(1 + cityHash64(v, 7) % 7) AS hs
    FROM numbers({visits:UInt64})
  ) ARRAY JOIN hs AS h
  WHERE start + toIntervalMillisecond(h * 150000) < now64(3)`, { visits: Math.round(events / 4), cookies });
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
