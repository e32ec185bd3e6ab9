// Applies schema/clickhouse/*.sql in order, once, and records each.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventStore } from './eventStore.ts';
import { MigrationError, parseMigrationFiles, planMigrations, splitStatements, type MigrationFile } from './migrationPlan.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../schema/clickhouse/', import.meta.url));

/** Serialises migrations across instances; a no-op lock in the one-process embedded mode. */
export interface MigrationLock {
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export interface MigrationResult {
  readonly applied: readonly MigrationFile[];
  readonly current: number;
}

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree ORDER BY version
SETTINGS non_replicated_deduplication_window = 1000`;

export function readMigrationFiles(dir = MIGRATIONS_DIR): MigrationFile[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((file) => ({ file, sql: fs.readFileSync(path.join(dir, file), 'utf8') }));
  return parseMigrationFiles(files);
}

export async function appliedMigrations(store: EventStore): Promise<Array<{ version: number; checksum: string }>> {
  await store.command(LEDGER);
  // Concurrent instances may have recorded a version twice before a merge; GROUP BY folds them.
  const rows = await store.query<{ version: number; checksum: string }>(
    'SELECT version, any(checksum) AS checksum FROM schema_migrations GROUP BY version ORDER BY version',
  );
  return rows.map((r) => ({ version: Number(r.version), checksum: r.checksum }));
}

/**
 * Applies pending migrations. Safe when two instances start together: statements are idempotent
 * (checked by a unit test), the ledger insert is deduplicated by token, and `lock` serialises them.
 */
export async function migrate(
  store: EventStore,
  lock: MigrationLock,
  onApply: (m: MigrationFile) => void = () => {},
  code: readonly MigrationFile[] = readMigrationFiles(),
): Promise<MigrationResult> {
  return lock.withLock('migrate', async () => {
    const pending = planMigrations(code, await appliedMigrations(store));
    for (const m of pending) {
      onApply(m);
      for (const statement of splitStatements(m.sql)) await store.command(statement);
      await store.insert('schema_migrations', [{ version: m.version, name: m.name, checksum: m.checksum }], `migration-${m.version}-${m.checksum}`);
    }
    return { applied: pending, current: code.at(-1)?.version ?? 0 };
  });
}

export { MigrationError };
