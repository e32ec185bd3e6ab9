import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isIdempotent, MigrationError, parseMigrationFiles, planMigrations, splitStatements } from '../../src/store/migrationPlan.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const files = (...names: string[]) => names.map((file) => ({ file, sql: `-- ${file}\nCREATE TABLE IF NOT EXISTS t_${file.slice(0, 4)} (x UInt8) ENGINE = Memory;\n` }));

describe('parseMigrationFiles', () => {
  it('orders by version whatever the input order, with name and sha-256 checksum', () => {
    const parsed = parseMigrationFiles(files('0003_three.sql', '0001_init.sql', '0002_add_index.sql'));
    expect(parsed.map((m) => [m.version, m.name])).toEqual([
      [1, 'init'],
      [2, 'add_index'],
      [3, 'three'],
    ]);
    expect(parsed[0]?.checksum).toBe(sha(parsed[0]?.sql ?? ''));
    expect(parsed[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('returns nothing for no files', () => {
    expect(parseMigrationFiles([])).toEqual([]);
  });

  it.each(['1_init.sql', '0001-init.sql', '0001_Init.sql', '0001_init.SQL', '0001_init.sql.bak', '00001_init.sql', '0001_.sql', 'init.sql'])(
    'refuses the file name %s',
    (file) => {
      expect(() => parseMigrationFiles([{ file, sql: '' }])).toThrow(MigrationError);
      expect(() => parseMigrationFiles([{ file, sql: '' }])).toThrow(`migration file ${file} must be named NNNN_lowercase_name.sql`);
    },
  );

  it('refuses a gap in the numbering', () => {
    expect(() => parseMigrationFiles(files('0001_a.sql', '0003_c.sql'))).toThrow(/without gaps; found 0003 at position 2/);
  });

  it('refuses a list that does not start at 0001', () => {
    expect(() => parseMigrationFiles(files('0002_b.sql'))).toThrow(MigrationError);
  });

  it('refuses two files with the same version', () => {
    expect(() => parseMigrationFiles(files('0001_a.sql', '0001_b.sql', '0002_c.sql'))).toThrow(MigrationError);
  });
});

describe('planMigrations', () => {
  const code = parseMigrationFiles(files('0001_a.sql', '0002_b.sql', '0003_c.sql'));
  const applied = (...versions: number[]) => versions.map((v) => ({ version: v, checksum: code[v - 1]?.checksum ?? '' }));

  it('plans everything on an empty database', () => {
    expect(planMigrations(code, []).map((m) => m.version)).toEqual([1, 2, 3]);
  });

  it('plans only what is missing', () => {
    expect(planMigrations(code, applied(1)).map((m) => m.version)).toEqual([2, 3]);
  });

  it('plans nothing when the database is current', () => {
    expect(planMigrations(code, applied(1, 2, 3))).toEqual([]);
  });

  it('refuses a database newer than the code, saying so', () => {
    const newer = [...applied(1, 2, 3), { version: 4, checksum: sha('x') }];
    expect(() => planMigrations(code, newer)).toThrow(MigrationError);
    expect(() => planMigrations(code, newer)).toThrow(/schema version 4 but this Calypso knows only up to 3: it is newer than the code/);
  });

  it('refuses a migration whose file changed after it was applied', () => {
    const changed = [{ version: 1, checksum: code[0]?.checksum ?? '' }, { version: 2, checksum: sha('edited') }];
    expect(() => planMigrations(code, changed)).toThrow(/migration 0002_b was changed after it was applied/);
  });

  it('refuses any applied version when the code has no migrations at all', () => {
    expect(() => planMigrations([], [{ version: 1, checksum: sha('x') }])).toThrow(/knows only up to 0/);
  });
});

describe('splitStatements', () => {
  it('splits at semicolons ending a line and drops comment lines and blanks', () => {
    const sql = `-- header comment
CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = Memory;

-- second
CREATE TABLE IF NOT EXISTS b (
  y String -- trailing comment kept
) ENGINE = Memory;   
-- trailing comment only
`;
    expect(splitStatements(sql)).toEqual([
      'CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = Memory',
      'CREATE TABLE IF NOT EXISTS b (\n  y String -- trailing comment kept\n) ENGINE = Memory',
    ]);
  });

  it('keeps a semicolon inside a line within its statement', () => {
    expect(splitStatements("SELECT ';' AS s, 1;\nSELECT 2")).toEqual(["SELECT ';' AS s, 1", 'SELECT 2']);
  });

  it('returns nothing for comments only', () => {
    expect(splitStatements('-- nothing\n\n-- here;\n')).toEqual([]);
  });
});

describe('isIdempotent', () => {
  it.each([
    'CREATE TABLE IF NOT EXISTS events (x UInt8) ENGINE = Memory',
    'create table if not exists events (x UInt8) engine = Memory',
    'CREATE\n  TABLE   IF NOT EXISTS events (x UInt8) ENGINE = Memory',
    'CREATE VIEW IF NOT EXISTS v AS SELECT 1',
    'CREATE MATERIALIZED VIEW IF NOT EXISTS mv TO t AS SELECT 1',
    'CREATE DICTIONARY IF NOT EXISTS d (k UInt64) PRIMARY KEY k SOURCE(NULL()) LAYOUT(FLAT()) LIFETIME(0)',
    'CREATE FUNCTION IF NOT EXISTS f AS (x) -> x',
    'ALTER TABLE events ADD COLUMN IF NOT EXISTS country LowCardinality(String)',
    'ALTER TABLE events DROP COLUMN IF EXISTS country',
    'ALTER TABLE events MODIFY COLUMN IF EXISTS props Map(String, String)',
    'ALTER TABLE events ADD INDEX IF NOT EXISTS i_path path TYPE bloom_filter GRANULARITY 4',
    'ALTER TABLE audit_log MODIFY TTL toDateTime(ts) + toIntervalDay(retention_days)',
    'ALTER TABLE events MATERIALIZE COLUMN visitor_key SETTINGS mutations_sync = 2',
    "ALTER TABLE events ADD COLUMN IF NOT EXISTS a Map(String, String) DEFAULT map('x,y', 'z'), ADD COLUMN IF NOT EXISTS b UInt8",
    "CREATE TABLE IF NOT EXISTS a (x String DEFAULT 'a;b', y String DEFAULT 'it\\'s') ENGINE = Memory",
    '/* why */ CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = Memory;',
  ])('accepts %s', (s) => {
    expect(isIdempotent(s)).toBe(true);
  });

  it.each([
    'CREATE TABLE events (x UInt8) ENGINE = Memory',
    'CREATE OR REPLACE VIEW v AS SELECT 1',
    'DROP TABLE events',
    'INSERT INTO sites VALUES (1)',
    'ALTER TABLE events ADD COLUMN country String',
    'ALTER TABLE events DROP COLUMN country',
    'ALTER TABLE events RENAME COLUMN a TO b',
    'RENAME TABLE a TO b',
    'ALTER TABLE audit_log REMOVE TTL',
    'ALTER TABLE audit_log MODIFY TTL ts + INTERVAL 1 DAY, DROP COLUMN x',
    'SELECT 1',
    // The first command alone must not vouch for the others.
    'ALTER TABLE events ADD COLUMN IF NOT EXISTS a UInt8, DROP COLUMN b',
    'ALTER TABLE events ADD COLUMN IF NOT EXISTS a Map(String, String), RENAME COLUMN c TO d',
    'CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = Memory; DROP TABLE b',
    "ALTER TABLE events ADD COLUMN IF NOT EXISTS a UInt8 -- don't\n, DROP COLUMN b",
    'ALTER TABLE events ADD COLUMN IF NOT EXISTS a UInt8 /* , */, DROP COLUMN b',
    '',
  ])('refuses %s', (s) => {
    expect(isIdempotent(s)).toBe(false);
  });
});

describe('the real migrations in schema/clickhouse', () => {
  const dir = fileURLToPath(new URL('../../schema/clickhouse/', import.meta.url));
  const real = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((file) => ({ file, sql: fs.readFileSync(path.join(dir, file), 'utf8') }));

  it('exist and parse as a gap-free sequence', () => {
    expect(real.length).toBeGreaterThan(0);
    expect(parseMigrationFiles(real).map((m) => m.version)).toEqual(real.map((_, i) => i + 1));
  });

  it('consist only of idempotent statements, so two instances migrating together are safe', () => {
    let count = 0;
    for (const m of parseMigrationFiles(real)) {
      const statements = splitStatements(m.sql);
      expect(statements.length, `${m.version}_${m.name} has statements`).toBeGreaterThan(0);
      for (const s of statements) {
        count++;
        expect(isIdempotent(s), `${String(m.version).padStart(4, '0')}_${m.name}: ${s.slice(0, 80)}`).toBe(true);
      }
    }
    expect(count).toBeGreaterThanOrEqual(4);
  });
});
