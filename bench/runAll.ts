// npm run bench (issue 14, "one report"): every bench in turn, each a child process as when run alone,
// then ONE table of their rows (benchReport.ts): figure, baseline from the same run, ratio, goal, ✔/✘.
// Quick sizes by default, aimed at 5–8 minutes on 2 cores (10–15 minutes measured on 2026-11-30 while
// other work loaded the 2 shared cores; the stats bench takes most); BENCH_FULL=1 for the full sizes:
//   bench       quick (default)                                          BENCH_FULL=1
//   ingest      5 s per case, 20 s of overload                           10 s per case, 60 s of overload
//   stats       1 000 000 events (100 000 cookies), 7 runs per case      10 000 000 events (1 000 000 cookies), 3 runs
//   segments    200 000 events, 20 000 cookies, 3 rounds of 3 s         10 000 000 events, 1 000 000 cookies, 7 rounds of 4 s
//   dashboard   1 000 000 events (as stats: the same B1), 5 runs        10 000 000 events, 3 runs
// NOTE: the quick stats and dashboard runs are medians of 7 and 5 runs (3 before 2026-12-01): on this
// virtual machine the host takes up to half a core at times, and B1 itself ranged 30–72 ms within one
// quick run, so three runs let one slow moment decide a ratio near its goal.
// The benches' own text and progress go to stderr, the table to stdout. It exits non-zero only when a
// bench crashed: a ✘ is a finding, and a bench that cannot run here (no Chromium) is a row saying why.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CANNOT_RUN, formatTable, goalSummary, readRows, recordRow } from './benchReport.ts';

const FULL = process.env.BENCH_FULL === '1';
const root = fileURLToPath(new URL('..', import.meta.url));

const BENCHES: Array<{ name: string; file: string; quick: Record<string, string> }> = [
  { name: 'ingest', file: 'bench/ingestBench.ts', quick: { BENCH_SECONDS: '5', BENCH_OVERLOAD_SECONDS: '20' } },
  { name: 'stats', file: 'bench/statsBench.ts', quick: { BENCH_EVENTS: '1000000', BENCH_RUNS: '7' } },
  { name: 'segments', file: 'bench/segmentsBench.ts', quick: { BENCH_EVENTS: '200000', BENCH_COOKIES: '20000', BENCH_ROUNDS: '3', BENCH_SECONDS: '3' } },
  { name: 'dashboard', file: 'bench/dashboardBench.ts', quick: { BENCH_EVENTS: '1000000', BENCH_RUNS: '5' } },
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-bench-report-'));
const reportFile = path.join(dir, 'rows.jsonl');
// Its own rows (a crashed bench) go to the same file.
process.env.BENCH_REPORT_FILE = reportFile;
const t0 = performance.now();
const since = (t: number) => {
  const s = Math.round((performance.now() - t) / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
};
const say = (s: string) => process.stderr.write(`${s}\n`);

/** Runs one bench; its stdout and stderr go to ours (stderr), so stdout keeps only the table. */
function run(file: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 2, 2] });
    child.once('error', () => resolve(-1));
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? -1 : 128)));
  });
}

let crashed = 0;
try {
  say(`npm run bench: ${BENCHES.length} benches at ${FULL ? 'full' : 'quick'} size${FULL ? '' : ' (BENCH_FULL=1 for the full sizes)'}, ${os.cpus().length} cores`);
  for (const [i, b] of BENCHES.entries()) {
    const t = performance.now();
    say(`\n▶ [${i + 1}/${BENCHES.length}] ${b.name} (${b.file}) — ${since(t0)} since the start`);
    const ticker = setInterval(() => say(`… ${b.name} running for ${since(t)}`), 60_000);
    const code = await run(b.file, FULL ? { BENCH_FULL: '1' } : b.quick);
    clearInterval(ticker);
    if (code === CANNOT_RUN) say(`■ ${b.name} cannot run here (${since(t)}); its row says why`);
    else if (code !== 0) {
      crashed++;
      recordRow({ bench: b.name, figure: `crashed: exit ${code} (see its output above)`, value: NaN, unit: '', goal: '–', pass: undefined });
      say(`✘ ${b.name} crashed with exit ${code} after ${since(t)}`);
    } else say(`■ ${b.name} done in ${since(t)}`);
  }
  const rows = readRows(reportFile);
  say(`\nall benches done in ${since(t0)}\n`);
  console.log(formatTable(rows));
  console.log(`\n${goalSummary(rows)}${crashed > 0 ? `; ${crashed} bench(es) crashed` : ''} (${FULL ? 'full' : 'quick'} size, ${os.cpus().length} cores)`);
} catch (e) {
  say(`the rows so far are kept in ${reportFile}`);
  throw e;
}
fs.rmSync(dir, { recursive: true, force: true });
process.exit(crashed > 0 ? 1 : 0);
