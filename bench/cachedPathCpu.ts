// Server CPU of a cached statistics request (issue 14's "cached" rows), for one checkout or two
// alternated (an A/B that holds on a shared machine): each service (bench/cachedPathServer.ts, the
// bench:stats data) in a child process; bench:stats' 45 single queries each asked once (computed and
// cached), then in each round, for each side in turn, every query asked N times in a row over one
// keep-alive connection, the child's CPU (process and main thread) read before and after. Prints µs of
// CPU per cached request: per round, per side, over all requests, the median over the queries, and the
// slowest query (a query's window is a few ms: coarse, as the kernel accounts CPU by ticks).
//   node bench/cachedPathCpu.ts <checkout A> [checkout B] [N=40] [rounds=4] [events=200000]
// BENCH_PROFILE=dir: a V8 CPU profile of each service (bench/cpuProfileSummary.ts sums it up).
import http from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ALL_TABS } from '../web/screens/overview/panels.ts';
import { CARD_METRICS } from '../web/screens/overview/query.ts';
import { apiFilters, type Filter } from '../web/screens/overview/state.ts';
import { SERVICE_NODE_FLAGS } from './benchChild.ts';
import { BENCH_SITE } from './statsBenchData.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const roots = process.argv.slice(2).filter((a) => !/^\d+$/.test(a));
const [N = 40, ROUNDS = 4, EVENTS = 200_000] = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);

interface Side {
  name: string;
  url: URL;
  key: string;
  cpu(): Promise<{ process: number; thread: number }>;
  stop(): void;
}

async function start(root: string): Promise<Side[]> {
  const profile = process.env.BENCH_PROFILE;
  const flags = [...SERVICE_NODE_FLAGS, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [])];
  const proc = spawn(process.execPath, [...flags, path.join(here, 'cachedPathServer.ts'), root, String(EVENTS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  const first = JSON.parse((await lines.next()).value as string) as { url: string; bare: string; key: string };
  const cpu = async () => {
    proc.stdin!.write('cpu\n');
    return JSON.parse((await lines.next()).value as string) as { process: number; thread: number };
  };
  const service = { name: path.basename(root), url: new URL('/graphql', first.url), key: first.key, cpu, stop: () => proc.stdin!.end() };
  return [service, { ...service, name: `${service.name} bare`, url: new URL('/graphql', first.bare), stop: () => {} }];
}

// bench:stats' single queries (statsBench.ts), limit 100 / 9 000 as its cached repeats ask them.
const to = new Date().toISOString().slice(0, 10);
const from = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
const args = (limit: number) => `site: "${BENCH_SITE}", from: "${from}", to: "${to}", filter: $filter, limit: ${limit}`;
const FILTERS: Array<{ label: string; filters: Filter[] }> = [
  { label: '', filters: [] },
  { label: ', search', filters: [{ dimension: 'referrerSource', value: 'search' }] },
  { label: ', /p/1', filters: [{ dimension: 'page', value: '/p/1' }] },
];
const queries = FILTERS.flatMap(({ label, filters }) => {
  const variables = { filter: filters.length === 0 ? null : apiFilters(filters) };
  return [
    { name: `chart${label}`, body: JSON.stringify({ query: `query Q($filter: [StatsFilter!]) { chart: stats(${args(9_000)}) { rows { time(interval: DAY) visitors pageviews } totals { ${CARD_METRICS.join(' ')} } suppressedRows } }`, variables }) },
    ...ALL_TABS.map((t) => ({
      name: `${t.id}${label}`,
      body: JSON.stringify({ query: `query Q($filter: [StatsFilter!]) { ${t.id}: stats(${args(100)}) { rows { ${t.dimension} visitors ${t.second} } suppressedRows } }`, variables }),
    })),
  ];
});

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function ask(side: Side, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(side.url, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${side.key}`, 'x-calypso-purpose': 'STATISTICS' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => (res.statusCode === 200 && !text.includes('"errors"') ? resolve(text) : reject(new Error(text))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const sides: Side[] = [];
// The first checkout's bare node:http floor (cachedPathServer.ts) is a side too, unless BENCH_BARE=0.
for (const [i, r] of (roots.length === 0 ? [path.join(here, '..')] : roots).entries()) {
  const [service, bare] = await start(path.resolve(r));
  sides.push(service!);
  if (i === 0 && process.env.BENCH_BARE !== '0') sides.push(bare!);
}
// Computed and cached; then the first cached requests of a fresh process, one per query in bench:stats' order.
const cold: string[] = [];
for (const s of sides) {
  for (const q of queries) await ask(s, q.body);
  const firsts: string[] = [];
  for (const q of queries.slice(0, 8)) {
    const a = await s.cpu();
    await ask(s, q.body);
    const b = await s.cpu();
    firsts.push(`${q.name} ${b.thread - a.thread}`);
  }
  cold.push(`${s.name}: first cached request of each query, µs main-thread CPU: ${firsts.join(', ')}`);
}
console.log(cold.join('\n'));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const answers = new Map<string, string>();
for (let round = 0; round < ROUNDS; round++) {
  for (const s of round % 2 === 0 ? sides : [...sides].reverse()) {
    const thread: number[] = [];
    const proc: number[] = [];
    const total = { thread: 0, process: 0 };
    let slowest = { name: '', us: 0 };
    for (const q of queries) {
      const a = await s.cpu();
      for (let i = 0; i < N; i++) {
        const text = await ask(s, q.body);
        // A side's cached answer stays byte for byte the same (each side's data is generated at random).
        const known = answers.get(`${s.name}\0${q.name}`);
        if (known !== undefined && known !== text) throw new Error(`${q.name}: the cached answer changed`);
        answers.set(`${s.name}\0${q.name}`, text);
      }
      const b = await s.cpu();
      // The kernel accounts a thread's CPU by ticks: a window of a few ms is coarse, the round's sum is not.
      total.thread += b.thread - a.thread;
      total.process += b.process - a.process;
      const us = (b.thread - a.thread) / N;
      thread.push(us);
      proc.push((b.process - a.process) / N);
      if (us > slowest.us) slowest = { name: q.name, us };
    }
    const n = queries.length * N;
    console.log(
      `round ${round} ${s.name.padEnd(14)} main thread ${(total.thread / n).toFixed(0).padStart(4)} µs/request (all ${n}; median of the queries ${median(thread).toFixed(0)}, slowest ${slowest.name} ${slowest.us.toFixed(0)})   process ${(total.process / n).toFixed(0).padStart(4)} µs (median ${median(proc).toFixed(0)})`,
    );
  }
}
for (const s of sides) s.stop();
agent.destroy();
