// The benches' one report (issue 14): each bench records its figures as rows — the figure, its baseline
// from the same run, the ratio, the goal and whether it is met — besides the human text it prints.
// With BENCH_REPORT_FILE set (bench/runAll.ts sets it), rows are appended to that file as JSON lines,
// so one table can be printed over every bench's rows.
import fs from 'node:fs';

export interface BenchRow {
  bench: string;
  figure: string;
  value: number;
  unit: string;
  baseline?: number;
  baselineName?: string;
  /** When the baseline is in another unit than the value (e.g. req/s against events/s). */
  baselineUnit?: string;
  /** value / baseline, as the goal reads it. */
  ratio?: number;
  /** The goal as text; '–' when none applies. */
  goal: string;
  /** Whether the goal is met; undefined when no goal applies (or the bench could not run). */
  pass: boolean | undefined;
}

/** Exit code of a bench that cannot run on this machine (e.g. no Chromium): a row says why; not a crash. */
export const CANNOT_RUN = 75;

/** Records one row: appended to BENCH_REPORT_FILE when set (one JSON line), otherwise only kept by the caller's text. */
export function recordRow(row: BenchRow): BenchRow {
  const reportFile = process.env.BENCH_REPORT_FILE;
  if (reportFile !== undefined && reportFile !== '') fs.appendFileSync(reportFile, `${JSON.stringify(row)}\n`);
  return row;
}

/** Records that a bench cannot run here, and why. */
export function recordCannotRun(bench: string, why: string): void {
  recordRow({ bench, figure: `not run: ${why}`, value: NaN, unit: '', goal: '–', pass: undefined });
}

/** Reads the rows a report file holds. */
export function readRows(file: string): BenchRow[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as BenchRow)
    // JSON writes NaN (a bench that did not run) as null.
    .map((r) => ({ ...r, value: r.value ?? NaN }));
}

const group = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A value with its unit, as wide as it needs to be readable. */
export function formatValue(v: number | null | undefined, unit: string): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '';
  if (unit === 'ms') return `${group(v, v < 10 ? 1 : 0)} ms`;
  if (unit === 's') return `${group(v, 1)} s`;
  if (unit === 'MB') return `${group(v, 0)} MB`;
  return `${group(v, v < 10 ? 2 : 0)} ${unit}`.trim();
}

const mark = (pass: boolean | undefined) => (pass === undefined ? '–' : pass ? '✔' : '✘');

/** The rows as one aligned table (bench, figure, value, baseline, ratio, goal, ✔/✘), as text. */
export function formatTable(rows: readonly BenchRow[]): string {
  const head = ['bench', 'figure', 'value', 'baseline (same run)', 'ratio', 'goal', ''];
  const cells = rows.map((r) => [
    r.bench,
    r.figure,
    formatValue(r.value, r.unit),
    r.baseline === undefined ? '' : `${r.baselineName ?? 'baseline'}: ${formatValue(r.baseline, r.baselineUnit ?? r.unit)}`,
    r.ratio === undefined || r.ratio === null || !Number.isFinite(r.ratio) ? '' : `${r.ratio.toFixed(r.ratio < 10 ? 2 : 0)} ×`,
    r.goal,
    mark(r.pass),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** "N of M goals met" over the rows with a goal. */
export function goalSummary(rows: readonly BenchRow[]): string {
  const judged = rows.filter((r) => r.pass !== undefined);
  return `${judged.filter((r) => r.pass === true).length} of ${judged.length} goals met`;
}
