// The migration runner on the real embedded engine: once, recorded, refusing newer or edited schemas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../src/cache/memoryCache.ts';
import { createCacheLock } from '../../src/cache/cacheLock.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openEventStore, type EventStore } from '../../src/store/eventStore.ts';
import { appliedMigrations, migrate, readMigrationFiles } from '../../src/store/migrate.ts';
import { MigrationError, parseMigrationFiles } from '../../src/store/migrationPlan.ts';
import { tempDir } from '../support/testService.ts';

describe('migrations', () => {
  let store: EventStore;
  const lock = createCacheLock(createMemoryCache(), { waitMs: 10_000 });
  beforeAll(async () => {
    store = await openEventStore(loadConfig({ CALYPSO_DATA_DIR: tempDir() }));
  });
  afterAll(() => store?.close());

  it('survives two runs racing with no lock to be had, recording each version once', async () => {
    const code = readMigrationFiles();
    const noLock = { withLock: <T>(_name: string, fn: () => Promise<T>) => fn() };
    const [a, b] = await Promise.all([migrate(store, noLock), migrate(store, noLock)]);
    expect(a.applied.length + b.applied.length).toBeGreaterThanOrEqual(code.length);
    const again = await migrate(store, lock);
    expect(again.applied).toEqual([]);
    const ledger = await store.query<{ version: number; n: string }>('SELECT version, count() AS n FROM schema_migrations GROUP BY version ORDER BY version');
    expect(ledger.map((r) => [Number(r.version), r.n])).toEqual(code.map((m) => [m.version, '1']));
    const tables = await store.query<{ name: string }>('SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name');
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['api_keys', 'audit_log', 'events', 'sites']));
  });

  it('applies a new migration on top, and only that one', async () => {
    const code = readMigrationFiles();
    const next = parseMigrationFiles([
      ...code.map((m) => ({ file: `${String(m.version).padStart(4, '0')}_${m.name}.sql`, sql: m.sql })),
      { file: `${String(code.length + 1).padStart(4, '0')}_probe.sql`, sql: 'CREATE TABLE IF NOT EXISTS probe (x UInt8) ENGINE = Memory;' },
    ]);
    const applied: number[] = [];
    const r = await migrate(store, lock, (m) => applied.push(m.version), next);
    expect(applied).toEqual([code.length + 1]);
    expect(r.current).toBe(code.length + 1);
    expect((await appliedMigrations(store)).map((m) => m.version)).toEqual(next.map((m) => m.version));
  });

  it('refuses a database newer than the code', async () => {
    // The database now holds the probe migration that readMigrationFiles() does not know.
    await expect(migrate(store, lock)).rejects.toThrow(MigrationError);
    await expect(migrate(store, lock)).rejects.toThrow(/newer than the code/);
  });

  it('refuses a migration edited after it was applied', async () => {
    const code = readMigrationFiles();
    const edited = parseMigrationFiles(
      code.map((m, i) => ({ file: `${String(m.version).padStart(4, '0')}_${m.name}.sql`, sql: i === 0 ? `${m.sql}\n-- edited` : m.sql })),
    );
    await expect(migrate(store, lock, () => {}, edited)).rejects.toThrow(/was changed after it was applied/);
  });
});
