// Pure migration planning: which files to apply, and when to refuse. No I/O, so it is unit-tested.
import { createHash } from 'node:crypto';

export interface MigrationFile {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface AppliedMigration {
  readonly version: number;
  readonly checksum: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Parses `NNNN_name.sql` files into ordered migrations; rejects gaps and duplicate versions. */
export function parseMigrationFiles(files: ReadonlyArray<{ file: string; sql: string }>): MigrationFile[] {
  const out: MigrationFile[] = [];
  for (const { file, sql } of files) {
    const m = FILE_NAME.exec(file);
    if (m === null) throw new MigrationError(`migration file ${file} must be named NNNN_lowercase_name.sql`);
    const checksum = createHash('sha256').update(sql).digest('hex');
    out.push({ version: Number(m[1]), name: m[2] ?? '', sql, checksum });
  }
  out.sort((a, b) => a.version - b.version);
  out.forEach((m, i) => {
    if (m.version !== i + 1) throw new MigrationError(`migrations must be numbered 0001, 0002, … without gaps; found ${String(m.version).padStart(4, '0')} at position ${i + 1}`);
  });
  return out;
}

/** Returns the migrations still to apply, or throws when the database is not one this code can run on. */
export function planMigrations(code: readonly MigrationFile[], applied: readonly AppliedMigration[]): MigrationFile[] {
  const latest = code.at(-1)?.version ?? 0;
  const byVersion = new Map(code.map((m) => [m.version, m]));
  for (const a of applied) {
    const mine = byVersion.get(a.version);
    if (mine === undefined) {
      throw new MigrationError(
        `the database has schema version ${a.version} but this Calypso knows only up to ${latest}: it is newer than the code; run a newer Calypso`,
      );
    }
    if (mine.checksum !== a.checksum) {
      throw new MigrationError(`migration ${String(a.version).padStart(4, '0')}_${mine.name} was changed after it was applied; add a new migration instead`);
    }
  }
  const done = new Set(applied.map((a) => a.version));
  return code.filter((m) => !done.has(m.version));
}

/** Splits a migration into statements at semicolons that end a line. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}

/**
 * Every statement must be safe to run twice, so two instances starting together cannot break the
 * schema even where no lock is to be had.
 */
export function isIdempotent(statement: string): boolean {
  // A second statement after a `;` on the same line would not be vouched for by the first.
  const [s, ...more] = splitTopLevel(statement, ';').map(normalise).filter((p) => p !== '');
  if (s === undefined || more.length > 0) return false;
  if (/^CREATE (TABLE|VIEW|MATERIALIZED VIEW|DICTIONARY|FUNCTION) IF NOT EXISTS /.test(s)) return true;
  // ALTER TABLE t cmd1, cmd2, …: every command must be guarded, not just the first.
  const alter = /^ALTER TABLE \S+ (.*)$/.exec(s);
  // MODIFY TTL sets the same expression again on a second run: a no-op. MATERIALIZE COLUMN writes a
  // column's values from its own expression: a second run writes the same values.
  return alter !== null && splitTopLevel(alter[1] ?? '', ',').every((c) => /^((ADD|DROP|MODIFY) (COLUMN|INDEX) IF (NOT )?EXISTS |MODIFY TTL |MATERIALIZE COLUMN )/.test(normalise(c)));
}

const normalise = (s: string) => s.replace(/\s+/g, ' ').trim().toUpperCase();

/** Splits at `sep` outside parentheses and quotes ('…', "…", `…`); SQL comments become spaces. */
function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (quote !== undefined) {
      if (c === '\\') {
        current += c + (s[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === quote) quote = undefined;
    } else if (s.startsWith('--', i) || s.startsWith('/*', i)) {
      const end = s.indexOf(c === '-' ? '\n' : '*/', i + 2);
      i = end === -1 ? s.length : c === '-' ? end - 1 : end + 1;
      current += ' ';
      continue;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === sep && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  parts.push(current);
  return parts;
}
