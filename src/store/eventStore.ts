// The one door to ClickHouse: an @clickhouse/client over the embedded chDB engine or a server.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { exportAllocatorConf, type Config } from '../config/config.ts';
import { StoreError, classifyStoreError } from './storeError.ts';
import { writeWholeFile } from './wholeFile.ts';

export interface EventStore {
  readonly client: ClickHouseClient;
  readonly mode: 'embedded' | 'server';
  /** Runs a parameterised SELECT and returns its rows. Values only through `params`. */
  query<T>(sql: string, params?: Record<string, unknown>, settings?: ClickHouseSettings): Promise<T[]>;
  /** Runs a statement with no result (DDL, ALTER, DELETE, INSERT … SELECT). */
  command(sql: string, params?: Record<string, unknown>, settings?: ClickHouseSettings): Promise<void>;
  /** Runs a parameterised SELECT of one column and returns its values as text, one per row (large results). */
  queryColumn(sql: string, params?: Record<string, unknown>): Promise<string[]>;
  /** Inserts rows as JSONEachRow; `dedupToken` makes a retried batch a no-op. */
  insert(table: string, rows: readonly object[], dedupToken?: string): Promise<void>;
  /**
   * Inserts rows already encoded as JSONEachRow text (the spool's format). `table` must be a fixed name.
   * Embedded: the engine reads them from a file of their own (see INSERT_FILES_DIR). Pieces of bytes are
   * taken in order, and written to that file without being joined in memory first.
   */
  insertNdjson(table: string, ndjson: string | Buffer | readonly Buffer[], dedupToken: string): Promise<void>;
  ping(): Promise<void>;
  /** What the engine has been doing (pings aside): tells readiness a busy engine from a dead one. */
  activity(): StoreActivity;
  close(): Promise<void>;
}

export interface StoreActivity {
  /** When a statement last succeeded, ms since the epoch; 0 for never. */
  readonly lastAnswerAt: number;
  /** When the oldest statement still running started; undefined when none runs. */
  readonly oldestRunningSince: number | undefined;
}

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/** chDB's own insert of JSONEachRow bytes as they are (its connection's `chdb.rawInsert`). */
type RawInsert = (params: { table: string; values: Buffer | string; format: 'JSONEachRow'; settings: Record<string, string> }) => Promise<unknown>;

// NOTE: 64-bit integers as JSON strings, so pids never lose precision in a JS number.
const SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 1,
  date_time_output_format: 'iso',
};

// NOTE: chDB applies per-query settings as SET statements on its one session, so they stick to later
// queries. Every call therefore states the limits and the dedup token it wants, empty or not.
const QUERY_DEFAULTS: ClickHouseSettings = { max_execution_time: 0, max_result_rows: '0', result_overflow_mode: 'throw' };

/**
 * Embedded engine calls under way at once; the others wait their turn here.
 * NOTE: chDB runs each call on a libuv threadpool thread (4 by default) and one at a time, so a long
 * statement (an erasure's DELETE) left the other calls waiting on every thread, and the spool's fdatasync,
 * which a hit's answer waits for, queued behind them. Two calls keep the engine busy and leave the pool
 * room for the file system. A server is reached over sockets, which use no pool thread: no limit there.
 */
export const EMBEDDED_CALLS_AT_ONCE = 2;

/**
 * Under the data directory: the files the embedded engine reads rows to insert from, one per insert, removed
 * once it is done (and any left by a crash when the store opens). NOTE: they hold the spool's rows, which
 * the spool already keeps in the same data directory; owner-only, like it.
 */
export const INSERT_FILES_DIR = 'insert';

/** Opens the configured store. Embedded: chDB under `<dataDir>/clickhouse`, one engine per process. */
export async function openEventStore(config: Config): Promise<EventStore> {
  const ch = config.clickhouse;
  if (ch.url === undefined) {
    const dir = path.join(config.dataDir, 'clickhouse');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    configureAllocator(ch.allocatorConf);
    // Loaded here, not at the module's import: loading it starts the engine's allocator, which reads its
    // options then; and a service on a ClickHouse server never needs it.
    const { createChdbConnection } = await import('chdb/connection');
    let connection;
    try {
      connection = createChdbConnection({ path: dir });
    } catch (err) {
      // libchdb reports "Cannot lock file …/status" (code 76) on stderr only; the status file tells us.
      if (fs.existsSync(path.join(dir, 'status'))) {
        throw new StoreError(`Cannot lock file ${dir}/status: another process holds the embedded engine`, { retryable: false, code: '76', cause: err });
      }
      throw classifyStoreError(err, 'opening the embedded ClickHouse');
    }
    // chdb types its Connection against its own copy of @clickhouse/client-common; same shape.
    const client = createClient({ connection: connection as unknown as ClientConnection, clickhouse_settings: SETTINGS });
    // chDB's connection has no per-request database; one session per process, so USE sticks.
    await wrapErrors(() => client.command({ query: `CREATE DATABASE IF NOT EXISTS ${ch.database}` }), 'creating the database');
    await wrapErrors(() => client.command({ query: `USE ${ch.database}` }), 'selecting the database');
    // NOTE: the client's exec took the spool's rows as a string and chDB's connection pasted them after the
    // statement, so every segment was decoded to a JS string, copied into the statement and encoded again
    // on the event loop (3 % of the collector's main thread under batched load, and as much again in GC of
    // those large strings). chDB's raw insert takes the bytes as they are, off the event loop, and states
    // the dedup token in the statement's own SETTINGS (not a SET that sticks to the session).
    const raw = (connection as unknown as { chdb?: { rawInsert?: RawInsert } }).chdb?.rawInsert;
    return makeStore(client, 'embedded', limiter(EMBEDDED_CALLS_AT_ONCE), raw, await insertFilesDir(client, path.join(config.dataDir, INSERT_FILES_DIR)));
  }
  // The client's own console logging is off: every failure is classified (StoreError) and logged by us.
  const base = { url: ch.url, username: ch.user, password: ch.password, request_timeout: ch.requestTimeoutMs, log: { level: ClickHouseLogLevel.OFF } };
  // The database may not exist yet: create it through a client without a default database.
  const bootstrap = createClient({ ...base, clickhouse_settings: SETTINGS });
  try {
    await wrapErrors(() => bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${ch.database}` }), 'creating the database');
  } finally {
    await bootstrap.close();
  }
  const client = createClient({ ...base, database: ch.database, clickhouse_settings: SETTINGS });
  return makeStore(client, 'server', (fn) => fn());
}

/**
 * The directory for insert files, emptied, once the engine has read a file there; undefined when it cannot
 * (the raw insert then takes every insert). NOTE: an engine that refused file() at every insert would have
 * every segment's rows taken for refused rows and set aside, so the route is tried once first.
 */
async function insertFilesDir(client: ClickHouseClient, dir: string): Promise<string | undefined> {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, 'probe.ndjson');
    fs.writeFileSync(file, '{"x":1}\n{"x":2}\n', { mode: 0o600 });
    const rs = await client.query({ query: `SELECT sum(x) AS n FROM file({file:String}, 'JSONEachRow', 'x UInt8')`, query_params: { file }, format: 'JSONEachRow', clickhouse_settings: QUERY_DEFAULTS });
    const [row] = await rs.json<{ n: number | string }>();
    fs.rmSync(file, { force: true });
    return Number(row?.n) === 3 ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How long the embedded engine's allocator (jemalloc, inside libchdb) keeps pages its queries freed before
 * giving them back to the system: its `dirty_decay_ms`, 5 s in ClickHouse's build, 60 s by default here
 * (CALYPSO_ENGINE_KEEP_FREED_MS). With 5 s, a statistics request after a pause of a few seconds found that
 * memory gone and faulted it in again: at 10 M events the overview's first request took 160 000 page faults
 * and 1.1–1.4 s of kernel time on the development machine, 1.8–2.3 s instead of 0.8–1.1 (docs/performance.md
 * "decay"). ClickHouse's memory worker is built to purge kept pages near the process's memory limit (not tested here).
 * NOTE: jemalloc reads its options once, from JE_MALLOC_CONF, when libchdb loads: when `chdb/connection` is
 * first imported, which only the embedded branch below does. So the first open sets that variable for the
 * process; later ones (the tests open many) find the library loaded and change nothing. Anything else that
 * imported chdb first would have loaded it with ClickHouse's defaults.
 */
let allocatorConfigured = false;
function configureAllocator(conf: string): void {
  if (allocatorConfigured) return;
  allocatorConfigured = true;
  exportAllocatorConf(conf);
}

type Gate = <T>(fn: () => Promise<T>) => Promise<T>;

/** Runs at most `n` calls at once, the others in the order they came. */
function limiter(n: number): Gate {
  let running = 0;
  const queue: Array<() => void> = [];
  return async (fn) => {
    if (running >= n) await new Promise<void>((resolve) => queue.push(resolve));
    else running++;
    try {
      return await fn();
    } finally {
      // The slot passes to the next caller as it is; `running` drops only when nobody waits.
      const next = queue.shift();
      if (next === undefined) running--;
      else next();
    }
  };
}

function makeStore(client: ClickHouseClient, mode: EventStore['mode'], gate: Gate, rawInsert?: RawInsert, insertFiles?: string): EventStore {
  // Statements in flight, oldest first (a Set iterates in insertion order), and the last one to end.
  const running = new Set<{ since: number }>();
  let lastAnswerAt = 0;
  // Every call not yet settled, queued at the gate or running: close() lets them end first.
  const pending = new Set<Promise<unknown>>();
  const wrap = <T>(fn: () => Promise<T>, what: string): Promise<T> => {
    const p = gate(() => track(fn, what));
    pending.add(p);
    const drop = () => pending.delete(p);
    p.then(drop, drop);
    return p;
  };
  let insertFileNo = 0;
  /**
   * The rows written to a file and inserted by the engine from it (INSERT … SELECT FROM file()), under the
   * dedup token; false when the file could not be written (the caller inserts them another way).
   * NOTE: chDB's raw insert (the rows after the statement) goes through clickhouse-local's client side
   * and cost the engine about twice the CPU per row of the same bytes read by file(): 6.3–6.9 against
   * 3.5–3.7 µs per event row, 9.5–11.4 against 5.4–6.1 per visit row (bench/ingestFormats.ts).
   */
  const insertFromFile = async (dir: string, table: string, rows: string | Buffer | readonly Buffer[], dedupToken: string): Promise<boolean> => {
    const file = path.join(dir, `${table}-${insertFileNo++}.ndjson`);
    try {
      await writeWholeFile(file, rows, 0o600);
    } catch {
      await fsp.rm(file, { force: true }).catch(() => {});
      return false;
    }
    try {
      const settings: ClickHouseSettings = { ...QUERY_DEFAULTS, insert_deduplication_token: dedupToken };
      await wrap(() => client.command({ query: `INSERT INTO ${table} SELECT * FROM file({file:String}, 'JSONEachRow')`, query_params: { file }, clickhouse_settings: settings }), 'insert');
    } finally {
      await fsp.rm(file, { force: true }).catch(() => {});
    }
    return true;
  };
  const track = async <T>(fn: () => Promise<T>, what: string): Promise<T> => {
    const op = { since: Date.now() };
    running.add(op);
    try {
      const result = await wrapErrors(fn, what);
      // Only an answer proves the engine alive: a request that timed out must not.
      lastAnswerAt = Date.now();
      return result;
    } finally {
      running.delete(op);
    }
  };
  return {
    client,
    mode,
    async query<T>(sql: string, params?: Record<string, unknown>, settings?: ClickHouseSettings) {
      return wrap(async () => {
        const rs = await client.query({ query: sql, query_params: params, format: 'JSONEachRow', clickhouse_settings: { ...QUERY_DEFAULTS, ...settings } });
        return rs.json<T>();
      }, 'query');
    },
    async command(sql, params, settings) {
      const all: ClickHouseSettings = { ...QUERY_DEFAULTS, insert_deduplication_token: '', ...settings };
      await wrap(() => client.command({ query: sql, query_params: params, clickhouse_settings: all }), 'command');
    },
    async queryColumn(sql, params) {
      return wrap(async () => {
        const rs = await client.query({ query: sql, query_params: params, format: 'TabSeparated', clickhouse_settings: QUERY_DEFAULTS });
        const text = await rs.text();
        return text === '' ? [] : text.slice(0, text.endsWith('\n') ? -1 : undefined).split('\n');
      }, 'query');
    },
    async insert(table, rows, dedupToken) {
      if (rows.length === 0) return;
      const settings: ClickHouseSettings = { insert_deduplication_token: dedupToken ?? '' };
      await wrap(() => client.insert({ table, values: rows as object[], format: 'JSONEachRow', clickhouse_settings: settings }), 'insert');
    },
    async insertNdjson(table, rows, dedupToken) {
      const whole = typeof rows === 'string' || Buffer.isBuffer(rows);
      if (whole ? rows.length === 0 : rows.every((r) => r.length === 0)) return;
      if (insertFiles !== undefined && (await insertFromFile(insertFiles, table, rows, dedupToken))) return;
      const ndjson = whole ? rows : Buffer.concat(rows);
      if (rawInsert !== undefined) {
        await wrap(() => rawInsert({ table, values: ndjson, format: 'JSONEachRow', settings: { insert_deduplication_token: dedupToken } }), 'insert');
        return;
      }
      await wrap(async () => {
        const r = await client.exec({
          query: `INSERT INTO ${table} FORMAT JSONEachRow`,
          values: Readable.from([ndjson]),
          clickhouse_settings: { insert_deduplication_token: dedupToken },
        });
        r.stream.resume(); // nothing to read; drain so the socket is released
        await finished(r.stream);
      }, 'insert');
    },
    async ping() {
      const r = await gate(() => client.ping());
      if (!r.success) throw classifyStoreError(r.error, 'ping');
    },
    activity() {
      return { lastAnswerAt, oldestRunningSince: running.values().next().value?.since };
    },
    async close() {
      // NOTE: chDB will not open another session in this process while a closed one still has a statement
      // running (a background job's DELETE, say); the statements under way end first.
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await client.close();
    },
  };
}

async function wrapErrors<T>(fn: () => Promise<T>, what: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw classifyStoreError(err, what);
  }
}
