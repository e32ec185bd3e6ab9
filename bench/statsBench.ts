// Statistics bench (DESIGN.md "Performance", issue 14): every query the dashboard's overview asks for,
// through GraphQL, against baseline B1 measured in the same process on the same table, alternated with
// each case (medians of the runs): B1 = daily uniq(pid) over the same range, straight to the engine.
// Cases, built from the overview's own pieces (web/screens/overview/query.ts, panels.ts):
//   - the chart with its card totals (`chart`), and each breakdown tab's query alone (`pages`, …),
//     each without a filter, with referrerSource = search, and with page = /p/1 (the most visited page);
//     goal ≤ 2 × B1. Uncached: each run asks with a limit of its own, so no cache answers it;
//   - the whole overview as the dashboard asks for it (useOverviewData.ts), without a filter: its first
//     request (overviewQuery: both periods' charts, the tab each panel opens on, realtime) and its second
//     (tabsQuery: the other tabs, asked once the first has answered): goal ≤ 6 × B1 uncached (each run's
//     limits differ, which changes no work), and cached (the same request repeated): ≥ 10 × faster; and,
//     for comparison, every tab in one request (how the dashboard asked before), no goal;
//   - the single queries cached: the slowest speed-up of them all, goal ≥ 10 ×.
//   npm run bench:stats                    10 000 000 events, 3 runs per case
//   BENCH_EVENTS=1000000 BENCH_RUNS=5 npm run bench:stats      (npm run bench: 1 000 000 events)
//   BENCH_CACHED_RUNS=21                   cached repeats per case (median): each takes about a millisecond, so
//                                           more of them cost nothing, and 7 left the median to one stall of
//                                           a loaded machine (docs/performance.md "cached (2026-12-01, session 3)")
//   BENCH_WARMUP=4                         untimed runs of each case (and of B1) before its timed ones: the
//                                           engine compiles a query's expressions at their fourth use
//   BENCH_EACH=1                           each run's time and B1's, per case, on stderr
//   BENCH_ONLY='tab pages (|whole overview'   only the cases whose name contains one of these |-separated
//                                           texts, or is one ending in $ ('chart + card totals$': without a filter);
//                                           for an A/B of a few rows (the cached speed-up row then covers those)
import os from 'node:os';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startService } from '../src/service.ts';
import { freePort } from '../test/support/ports.ts';
import { removeTempDirs, tempDir } from '../test/support/testService.ts';
import { ALL_TABS, FIRST_TABS, OTHER_TABS } from '../web/screens/overview/panels.ts';
import { CARD_METRICS, overviewQuery, tabsQuery } from '../web/screens/overview/query.ts';
import { previousRange } from '../web/screens/overview/range.ts';
import { apiFilters, type Filter } from '../web/screens/overview/state.ts';
import { recordRow } from './benchReport.ts';
import { BENCH_SITE, benchGraphql, createBenchSite, generateBenchEvents, timeB1 } from './statsBenchData.ts';
import { deriveBenchVisits } from './benchVisits.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CACHED_RUNS = Number(process.env.BENCH_CACHED_RUNS ?? 21);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 4);
const ONLY = (process.env.BENCH_ONLY ?? '').split('|').filter((x) => x !== '');
const chosen = (c: { name: string }) => ONLY.length === 0 || ONLY.some((x) => (x.endsWith('$') ? c.name === x.slice(0, -1) : c.name.includes(x)));
const COOKIES = Math.max(1_000, Math.round(EVENTS / 10));
const BENCH = 'stats';

const config = { ...loadConfig({ CALYPSO_DATA_DIR: tempDir('calypso-bench-stats-'), CALYPSO_LOG_LEVEL: 'warn', PORT: String(await freePort()) }) };
const svc = await startService(config, { role: 'all', log: createLogger(config) });
const gql = benchGraphql(svc);

const key = await createBenchSite(svc, gql);
await generateBenchEvents(svc, EVENTS, COOKIES);
await deriveBenchVisits(svc.store);

// The overview's default view: the last 30 days, today included, in the site's zone (UTC).
const to = new Date().toISOString().slice(0, 10);
const from = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
const range = { from, to };

const FILTERS: Array<{ label: string; filters: Filter[] }> = [
  { label: '', filters: [] },
  { label: ', referrerSource = search', filters: [{ dimension: 'referrerSource', value: 'search' }] },
  { label: ', page = /p/1', filters: [{ dimension: 'page', value: '/p/1' }] },
];

interface Case {
  name: string;
  /** The request of run `i` (uncached when each i differs; the same i again is the cached repeat). */
  request: (i: number) => { query: string; variables: Record<string, unknown> };
  /** ≤ goal × B1; undefined for a figure shown for comparison only. */
  goal: number | undefined;
  /** A request of the whole overview (its cached repeat is a figure of its own). */
  whole?: boolean;
}

const args = (limit: number) => `site: "${BENCH_SITE}", from: "${from}", to: "${to}", filter: $filter, limit: ${limit}`;
const single = (fields: (limit: number) => string, filters: Filter[], base: number) => (i: number) => ({
  query: `query Q($filter: [StatsFilter!]) { ${fields(base + i)} }`,
  variables: { filter: filters.length === 0 ? null : apiFilters(filters) },
});

const singles: Case[] = FILTERS.flatMap(({ label, filters }) => [
  {
    name: `chart + card totals${label}`,
    request: single((l) => `chart: stats(${args(l)}) { rows { time(interval: DAY) visitors pageviews } totals { ${CARD_METRICS.join(' ')} } suppressedRows }`, filters, 9_000),
    goal: 2,
  },
  ...ALL_TABS.map((t) => ({
    name: `tab ${t.id} (${t.dimension}, visitors, ${t.second})${label}`,
    request: single((l) => `${t.id}: stats(${args(l)}) { rows { ${t.dimension} visitors ${t.second} } suppressedRows }`, filters, 100),
    goal: 2,
  })),
]);

// The dashboard's own request; each run moves its limits (chart 10 000 → 9 500 + i, tabs 10 → 200 + i)
// so that no cached answer of an earlier run or case serves it.
// Limits of their own per case too, so that no case is answered from another's cache.
const overview = (filters: Filter[], tabs = FIRST_TABS, base = 0) => (i: number) => {
  const q = overviewQuery(BENCH_SITE, range, 'DAY', filters, { previous: previousRange(range), realtime: true, tabs });
  return { query: q.query.replaceAll('limit: 10000', `limit: ${9_500 + base + i}`), variables: { ...q.variables, limit: 200 + base + i } };
};
const otherTabs = (filters: Filter[]) => (i: number) => {
  const q = tabsQuery(BENCH_SITE, range, filters, OTHER_TABS);
  return { query: q.query, variables: { ...q.variables, limit: 200 + i } };
};
const overviews: Case[] = FILTERS.slice(0, 1).flatMap(({ label, filters }) => [
  { name: `whole overview, first request (on screen)${label}`, request: overview(filters), goal: 6, whole: true },
  { name: `whole overview, second request (the other tabs)${label}`, request: otherTabs(filters), goal: 6, whole: true },
  { name: `whole overview, every tab in one request (as before)${label}`, request: overview(filters, ALL_TABS, 50), goal: undefined },
]);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (f: () => Promise<unknown>) => {
  const s = performance.now();
  await f();
  return performance.now() - s;
};
const ask = (r: { query: string; variables: Record<string, unknown> }) => gql(key, 'STATISTICS', r.query, r.variables);

/**
 * Uncached runs alternated with B1, then cached repeats of the first run's request. Cases measured
 * together (the overview's requests) take turns within each run, so that they are compared under the
 * same load of a busy machine.
 */
async function measure(cs: readonly Case[]): Promise<Array<{ c: Case; ms: number; b1: number; cached: number; cachedCpu: number }>> {
  const ms = cs.map((): number[] => []);
  const b1: number[] = [];
  // Untimed first: the engine compiles a query's expressions at their fourth use (ClickHouse's
  // min_count_to_compile_expression = 3), so a case's first runs measured it uncompiled and its fourth
  // compiling, while B1, asked before every case, ran compiled from the first case on. A dashboard's
  // queries repeat all day and run compiled; warmed up alike, both are measured that way.
  for (let w = 0; w < WARMUP; w++) {
    await timeB1(svc, from, to);
    for (const c of cs) await ask(c.request(RUNS + w));
  }
  for (let i = 0; i < RUNS; i++) {
    b1.push(await timeB1(svc, from, to));
    for (const [j, c] of cs.entries()) ms[j]!.push(await time(() => ask(c.request(i))));
  }
  if (process.env.BENCH_EACH === '1') for (const [j, c] of cs.entries()) console.error(`${c.name}: ${ms[j]!.map(fmt).join(' ')} ms; B1 ${b1.map(fmt).join(' ')} ms`);
  const out = [];
  for (const [j, c] of cs.entries()) {
    const cached: number[] = [];
    // The main thread's CPU over the cached repeats (the service's JavaScript and this client's, one
    // thread; chDB's threads left out): what the wall clock of a loaded machine does not show.
    const cpu = process.threadCpuUsage();
    for (let i = 0; i < CACHED_RUNS; i++) cached.push(await time(() => ask(c.request(0))));
    const used = process.threadCpuUsage(cpu);
    out.push({ c, ms: median(ms[j]!), b1: median(b1), cached: median(cached), cachedCpu: (used.user + used.system) / 1000 / CACHED_RUNS });
  }
  return out;
}

const fmt = (n: number) => (n < 10 ? n.toFixed(1) : n.toFixed(0));
console.log(`stats bench: ${EVENTS.toLocaleString('en')} events of ${COOKIES.toLocaleString('en')} cookies, ${from} – ${to}, median of ${RUNS} runs (cached: of ${CACHED_RUNS}), ${os.cpus().length} cores\n`);
const cachedSpeedups: Array<{ name: string; ms: number; cached: number }> = [];
// Every single query's cached repeats together: the kernel accounts CPU by ticks, so one case's 21 repeats
// (a few ms) are a coarse figure and their sum is not.
const cachedCpu = { ms: 0, n: 0 };
const report = (m: { c: Case; ms: number; b1: number; cached: number; cachedCpu: number }) => {
  const { c } = m;
  const ratio = m.ms / m.b1;
  const goal = c.goal === undefined ? '–' : `≤ ${c.goal} × B1`;
  recordRow({ bench: BENCH, figure: `${c.name}, uncached`, value: m.ms, unit: 'ms', baseline: m.b1, baselineName: 'B1', ratio, goal, pass: c.goal === undefined ? undefined : ratio <= c.goal });
  console.log(`${c.name.padEnd(62)} ${fmt(m.ms).padStart(6)} ms   B1 ${fmt(m.b1)} ms   ${ratio.toFixed(1)} × B1 (goal ${goal})   cached ${fmt(m.cached)} ms (main thread's CPU ${m.cachedCpu.toFixed(2)} ms)`);
  if (c.goal === undefined) return;
  if (c.whole === true) {
    recordRow({ bench: BENCH, figure: `${c.name}, cached`, value: m.cached, unit: 'ms', baseline: m.ms, baselineName: 'uncached', ratio: m.cached / m.ms, goal: '≥ 10 × faster than uncached', pass: m.ms / m.cached >= 10 });
  } else {
    cachedSpeedups.push({ name: c.name, ms: m.ms, cached: m.cached });
    cachedCpu.ms += m.cachedCpu * CACHED_RUNS;
    cachedCpu.n += CACHED_RUNS;
  }
};
for (const c of singles.filter(chosen)) (await measure([c])).forEach(report);
if (overviews.some(chosen)) (await measure(overviews.filter(chosen))).forEach(report);
if (cachedSpeedups.length > 0) {
  const slowest = cachedSpeedups.reduce((a, b) => (b.ms / b.cached < a.ms / a.cached ? b : a));
  recordRow({
    bench: BENCH,
    figure: `cached, slowest speed-up of the ${cachedSpeedups.length} single queries (${slowest.name})`,
    value: slowest.cached,
    unit: 'ms',
    baseline: slowest.ms,
    baselineName: 'uncached',
    ratio: slowest.cached / slowest.ms,
    goal: '≥ 10 × faster than uncached',
    pass: slowest.ms / slowest.cached >= 10,
  });
  console.log(`\ncached repeats: the slowest speed-up of the single queries is ${(slowest.ms / slowest.cached).toFixed(0)} × (${slowest.name}; goal ≥ 10 ×)`);
  console.log(`cached repeats of the single queries: ${((cachedCpu.ms / cachedCpu.n) * 1000).toFixed(0)} µs of the main thread's CPU per request (the service and this client), over ${cachedCpu.n}`);
}
await svc.stop();
removeTempDirs();
process.exit(0);
