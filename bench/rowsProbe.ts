// Probe of bench:stats' single rows (docs/performance.md "stats2x"): each case's statement captured from
// the service (the bench's data, 1 M events) and replayed through the store with the service's settings
// and with other settings or SQL, alternated with B1, process CPU (chDB runs in-process) and wall clock,
// medians. Not a bench of record: a tool for A/B of the statements of the rows near 2 × B1.
//   PROBE_DIR=/tmp/rowsprobe node bench/rowsProbe.ts        (the data kept there for the next run)
//   PROBE_CASES='chart|pages|chart_p1|sources_p1'          (cases; default every one below: chart, chart_src, pages, …)
//   PROBE_SETTINGS='{"tl":{"group_by_two_level_threshold":1}}'  (setting variants, each applied to every case)
//   PROBE_ROUNDS=9 PROBE_ITER=2 PROBE_GQL=1                (rounds; runs averaged per measurement; also through GraphQL)
//   PROBE_EMPTY=1                                          (the statements over a site without rows: their fixed cost)
// Files PROBE_DIR/rows-<case>-<name>.sql: a statement variant of that case (its captured parameters; lines
// `-- params {json}` change some, `-- nocompare` measures an answer of another form).
// Each variant's answer is compared with the case's own: a differing one is reported, not measured.
import fs from 'node:fs';
import path from 'node:path';
import { STATS_QUERY_SETTINGS } from '../src/stats/statsResolvers.ts';
import { CARD_METRICS } from '../web/screens/overview/query.ts';
import { openProbeService } from './probeService.ts';
import { BENCH_SITE, timeB1 } from './statsBenchData.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const ROUNDS = Number(process.env.PROBE_ROUNDS ?? 9);
const ITER = Number(process.env.PROBE_ITER ?? 1);
const { dir, svc, gql, key, from, to } = await openProbeService('calypso-rowsprobe-', EVENTS);
const args = (limit: number) => `site: "${BENCH_SITE}", from: "${from}", to: "${to}", filter: $filter, limit: ${limit}`;
const chart = (l: number) => `chart: stats(${args(l)}) { rows { time(interval: DAY) visitors pageviews } totals { ${CARD_METRICS.join(' ')} } suppressedRows }`;
const tab = (id: string, dim: string, second: string) => (l: number) => `${id}: stats(${args(l)}) { rows { ${dim} visitors ${second} } suppressedRows }`;
const P1 = [{ dimension: 'PAGE', op: 'EQ', values: ['/p/1'] }];
const CASES: Record<string, { field: (l: number) => string; filter: unknown }> = {
  chart: { field: chart, filter: null },
  pages: { field: tab('pages', 'page', 'pageviews'), filter: null },
  chart_src: { field: chart, filter: [{ dimension: 'REFERRER_SOURCE', op: 'EQ', values: ['search'] }] },
  chart_p1: { field: chart, filter: P1 },
  pages_p1: { field: tab('pages', 'page', 'pageviews'), filter: P1 },
  entry_p1: { field: tab('entryPages', 'entryPage', 'visits'), filter: P1 },
  exit_p1: { field: tab('exitPages', 'exitPage', 'visits'), filter: P1 },
  sources_p1: { field: tab('sources', 'referrerSource', 'visits'), filter: P1 },
  referrers_p1: { field: tab('referrers', 'referrerHost', 'visits'), filter: P1 },
  countries_p1: { field: tab('countries', 'country', 'visits'), filter: P1 },
};
const only = (process.env.PROBE_CASES ?? '').split('|').filter((x) => x !== '');
const cases = Object.keys(CASES).filter((c) => only.length === 0 || only.includes(c));

interface Stmt {
  sql: string;
  params: Record<string, unknown>;
}
const store = svc.store as { query: typeof svc.store.query };
const original = store.query.bind(store);
const captured = new Map<string, Stmt>();
let limit = 100;
const ask = (c: string) => gql(key, 'STATISTICS', `query Q($filter: [StatsFilter!]) { ${CASES[c]!.field(limit++)} }`, { filter: CASES[c]!.filter });
for (const c of cases) {
  const mine: Stmt[] = [];
  store.query = (sql, params, settings) => {
    if (params !== undefined && 'tz' in params) mine.push({ sql, params: params ?? {} });
    return original(sql, params, settings);
  };
  await ask(c);
  await ask(c); // the pairs' question is answered once and kept: the second request's statement is the one.
  store.query = original;
  // PROBE_EMPTY=1: each statement over a site with no rows, its fixed cost (planning, the tail's steps).
  const last = mine.at(-1)!;
  captured.set(c, process.env.PROBE_EMPTY === '1' ? { sql: last.sql, params: { ...last.params, site: 'none' } } : last);
  fs.writeFileSync(path.join(dir, `captured-${c}.sql`), `${mine.at(-1)!.sql}\n-- ${JSON.stringify(mine.at(-1)!.params)}\n`);
}

const settingVariants = { base: {}, ...(JSON.parse(process.env.PROBE_SETTINGS ?? '{}') as Record<string, Record<string, unknown>>) };
const variants: Record<string, () => Promise<unknown>> = {};
const uncompared = new Set<string>();
for (const c of cases) {
  const s = captured.get(c)!;
  for (const [n, extra] of Object.entries(settingVariants)) variants[`${c}:${n}`] = () => svc.store.query(s.sql, s.params, { ...STATS_QUERY_SETTINGS, ...extra });
  if (process.env.PROBE_GQL === '1') variants[`${c}:gql`] = () => ask(c);
  for (const f of fs.readdirSync(dir).filter((x) => x.startsWith(`rows-${c}-`) && x.endsWith('.sql'))) {
    const sql = fs.readFileSync(path.join(dir, f), 'utf8');
    // `-- params {…}` on a line of its own: parameters changed for this variant (an empty site, say).
    const changed = /^-- params (.*)$/m.exec(sql)?.[1];
    const params = { ...s.params, ...(changed === undefined ? {} : (JSON.parse(changed) as Record<string, unknown>)) };
    variants[`${c}:${f.slice(`rows-${c}-`.length, -4)}`] = () => svc.store.query(sql, params, STATS_QUERY_SETTINGS);
    // `-- nocompare`: an answer of another form (a part of the statement, another site), measured anyway.
    if (/^-- nocompare$/m.test(sql)) uncompared.add(`${c}:${f.slice(`rows-${c}-`.length, -4)}`);
  }
}
// Answers compared with the case's base (sorted rows as text; GraphQL answers are of another form).
const canon = (rows: unknown) => JSON.stringify((rows as unknown[]).map((r) => JSON.stringify(r)).sort());
const baseAnswer = new Map<string, string>();
for (const [n, f] of Object.entries(variants)) {
  if (n.endsWith(':gql') || uncompared.has(n)) continue;
  const [c] = n.split(':');
  const a = canon(await f());
  if (!baseAnswer.has(c!)) baseAnswer.set(c!, a);
  else if (baseAnswer.get(c!) !== a) {
    process.stderr.write(`${n}: a different answer, left out\n`);
    fs.writeFileSync(path.join(dir, `diff-${n.replace(':', '-')}.json`), a);
    delete variants[n];
  }
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const measure = async (f: () => Promise<unknown>) => {
  const c = cpuMs();
  const w = performance.now();
  for (let i = 0; i < ITER; i++) await f();
  return { wall: (performance.now() - w) / ITER, cpu: (cpuMs() - c) / ITER };
};
const b1 = () => timeB1(svc, from, to);
// B1 before each variant: each variant's ratio is the median of its per-round ratios to the B1 just before it.
const results = new Map<string, Array<{ wall: number; cpu: number; bw: number; bc: number }>>();
const names = Object.keys(variants);
const loads: string[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? names : [...names].reverse();
  for (const n of order) {
    const b = await measure(b1);
    const m = await measure(variants[n]!);
    results.set(n, [...(results.get(n) ?? []), { ...m, bw: b.wall, bc: b.cpu }]);
  }
  loads.push(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`${ROUNDS} rounds × ${ITER}, load after each round ${loads.join(' ')}`);
console.log(`${'variant'.padEnd(24)} ${'wall ms'.padStart(8)} ${'B1 wall'.padStart(8)} ${'× B1'.padStart(6)} ${'cpu ms'.padStart(8)} ${'B1 cpu'.padStart(8)} ${'× B1'.padStart(6)}   wall ratios`);
for (const [n, ms] of results) {
  const wr = ms.map((m) => m.wall / m.bw);
  const cr = ms.map((m) => m.cpu / m.bc);
  console.log(
    `${n.padEnd(24)} ${median(ms.map((m) => m.wall)).toFixed(1).padStart(8)} ${median(ms.map((m) => m.bw)).toFixed(1).padStart(8)} ${median(wr).toFixed(2).padStart(6)} ${median(ms.map((m) => m.cpu)).toFixed(1).padStart(8)} ${median(ms.map((m) => m.bc)).toFixed(1).padStart(8)} ${median(cr).toFixed(2).padStart(6)}   ${wr.map((x) => x.toFixed(2)).join(' ')}`,
  );
}
await svc.stop();
process.exit(0);
