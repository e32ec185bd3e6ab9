// Statistics bench (DESIGN.md "Performance"): each query through GraphQL and as the SQL it compiles to,
// in the same run, over generated events in the embedded engine; then the cached repeat.
//   npm run bench:stats                    10 000 000 events, 3 runs per case
//   BENCH_EVENTS=1000000 BENCH_RUNS=5 npm run bench:stats
import os from 'node:os';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startService } from '../src/service.ts';
import { compileStats, type StatsQuery } from '../src/stats/compileStats.ts';
import { parseStatsRange } from '../src/stats/statsRange.ts';
import { STATS_QUERY_SETTINGS } from '../src/stats/statsResolvers.ts';
import { freePort } from '../test/support/ports.ts';
import { removeTempDirs, tempDir } from '../test/support/testService.ts';
import { benchGraphql, createBenchSite, generateBenchEvents } from './statsBenchData.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const COOKIES = Math.max(1_000, Math.round(EVENTS / 10));

const config = { ...loadConfig({ CALYPSO_DATA_DIR: tempDir('calypso-bench-stats-'), CALYPSO_LOG_LEVEL: 'warn', PORT: String(await freePort()) }) };
const svc = await startService(config, { role: 'all', log: createLogger(config) });
const gql = benchGraphql(svc);

const key = await createBenchSite(svc, gql);
await generateBenchEvents(svc, EVENTS, COOKIES);

const to = new Date().toISOString().slice(0, 10);
const from = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
const base: Omit<StatsQuery, 'dimensions' | 'metrics' | 'filters' | 'order' | 'limit'> = {
  site: 'bench',
  timezone: 'UTC',
  range: parseStatsRange(from, to, 395),
  k: 10,
  interval: 'DAY',
  offset: 0,
};
const cases: Array<{ name: string; graphql: (limit: number) => string; sql: (limit: number) => StatsQuery }> = [
  {
    name: '30 days, daily visitors and pageviews',
    graphql: (limit) => `{ stats(site: "bench", from: "${from}", to: "${to}", limit: ${limit}) { rows { time visitors pageviews } } }`,
    sql: (limit) => ({ ...base, dimensions: ['time'], metrics: ['visitors', 'pageviews'], filters: [], order: [], limit }),
  },
  {
    name: 'top 100 pages',
    graphql: (limit) => `{ stats(site: "bench", from: "${from}", to: "${to}", limit: ${limit}, orderBy: [{field: PAGEVIEWS}]) { rows { page visitors pageviews } } }`,
    sql: (limit) => ({ ...base, dimensions: ['page'], metrics: ['visitors', 'pageviews'], filters: [], order: [{ field: 'pageviews', direction: 'DESC' }], limit }),
  },
  {
    name: 'filtered breakdown (search, by browser)',
    graphql: (limit) =>
      `{ stats(site: "bench", from: "${from}", to: "${to}", limit: ${limit}, filter: [{dimension: REFERRER_SOURCE, op: EQ, values: ["search"]}]) { rows { browser visitors visits bounceRate } } }`,
    sql: (limit) => ({ ...base, dimensions: ['browser'], metrics: ['visitors', 'visits', 'bounceRate'], filters: [{ dimension: 'referrerSource', op: 'EQ', values: ['search'] }], order: [], limit }),
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (f: () => Promise<unknown>) => {
  const s = performance.now();
  await f();
  return performance.now() - s;
};

console.log(`stats bench: ${EVENTS.toLocaleString('en')} events, median of ${RUNS} runs, ${os.cpus().length} cores\n`);
for (const c of cases) {
  const sqlMs: number[] = [];
  const gqlMs: number[] = [];
  // Alternate, each run with its own limit so neither side is served from a cache.
  for (let i = 0; i < RUNS; i++) {
    const q = compileStats(c.sql(100 + i));
    sqlMs.push(await time(() => svc.store.query(q.sql, q.params, STATS_QUERY_SETTINGS)));
    gqlMs.push(await time(() => gql(key, 'STATISTICS', c.graphql(200 + i))));
  }
  const cachedMs: number[] = [];
  for (let i = 0; i < RUNS; i++) cachedMs.push(await time(() => gql(key, 'STATISTICS', c.graphql(200))));
  const s = median(sqlMs);
  const g = median(gqlMs);
  const h = median(cachedMs);
  console.log(`${c.name}`);
  console.log(`  SQL it compiles to   ${s.toFixed(0)} ms`);
  console.log(`  GraphQL              ${g.toFixed(0)} ms   ratio ${(g / s).toFixed(2)} (goal ≤ 1.25)`);
  console.log(`  GraphQL, cached      ${h.toFixed(1)} ms   ${(g / h).toFixed(0)}× faster (goal ≥ 10×)`);
}
await svc.stop();
removeTempDirs();
process.exit(0);
