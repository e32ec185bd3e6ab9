// What the admin commands (site, key) share: their options' parsers, a failure before anything is sent,
// and output as a table for people or as JSON (--json) for scripts.
import { InvalidArgumentError } from 'commander';
import type { ServiceClient } from './serviceClient.ts';

export type ViaService = (url: string | undefined, fn: (client: ServiceClient) => Promise<void>) => Promise<void>;

export const URL_HELP = 'the running service (default http://127.0.0.1:$PORT)';

/** A repeatable option that also takes a comma-separated list ("--host a.example --host b.example,c.example"). */
export const repeatable = (v: string, previous: string[] = []): string[] => [...previous, ...v.split(',').map((s) => s.trim()).filter((s) => s !== '')];

/** A commander option parser: an integer (any; the range is checked with the rest), or one line naming the option. */
export const integer = (flag: string, expects: string) => (v: string) => {
  if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`${flag} expects ${expects} (got ${JSON.stringify(v.slice(0, 64))})`);
  return Number(v);
};

/** A mistake found before sending: one line on stderr, exit code 1, nothing sent. */
export function refuse(message: string): never {
  process.stderr.write(`calypso: ${message}\n`);
  process.exit(1);
}

/** Rows as aligned columns under a header; an empty list says so instead. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, none = '(none)'): string {
  if (rows.length === 0) return `${none}\n`;
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
