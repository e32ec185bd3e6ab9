// The engine's insert CPU per row for the spool's rows in other formats, and the JS cost of writing each
// format (issue 14: "the spool's JSON re-parsed by the engine"). One process with chDB and the real
// tables (migrations): rows captured from ingest() of batched requests as the collector spools them
// (events and visits rows, ingestCpu.ts's bodies), then rounds interleaved, each format into fresh tables
// made AS the real ones. Engine: the process's CPU (process.cpuUsage: every thread) across each insert,
// per row. JS: main-thread CPU (process.threadCpuUsage) of writing a 500-event record's rows and its bytes.
//   node bench/ingestFormats.ts [rounds=5] [requests=40]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { loadConfig } from '../src/config/config.ts';
import { openEventStore } from '../src/store/eventStore.ts';
import { migrate } from '../src/store/migrate.ts';
import { ingest, type IngestDeps } from '../src/collect/ingest.ts';
import type { RequestTraits } from '../src/privacy/toEventRow.ts';
import { createReducers } from '../src/privacy/reducers.ts';
import { createPseudonymiser } from '../src/privacy/pseudonymiser.ts';
import { createMemoryCache } from '../src/cache/memoryCache.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { Spool } from '../src/pipeline/spool.ts';
import { decodeSegment } from '../src/pipeline/spoolRecord.ts';
import { splitSections } from '../src/pipeline/spoolSections.ts';
import { createVisitAssigner } from '../src/visits/visitAssigner.ts';
import { memoryVisitStateStore } from '../src/visits/visitStateStore.ts';
import { eventRowLine } from '../src/collect/eventRowLine.ts';
import { visitRowLine, type VisitRow } from '../src/visits/visitRow.ts';
import type { EventRow } from '../src/privacy/toEventRow.ts';

const ROUNDS = Number(process.argv[2] ?? 5);
const REQUESTS = Number(process.argv[3] ?? 40);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-fmt-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

// --- capture: ingest() of batched requests into a real spool, its segments read back --------------------
const SITE = { id: 'bench', name: 'Bench', hostnames: ['bench.example'], timezone: 'UTC', kAnonymity: 0, retentionDays: 395, defaultConsent: 7, createdAt: '2026-01-01 00:00:00.000' };
const state = memoryVisitStateStore({ keepMs: 2 * 3_600_000, maxVisitors: 200_000 });
await state.load([], Date.now() - 2 * 3_600_000);
const spoolDir = path.join(dir, 'spool');
const spool = await Spool.open({ dir: spoolDir, maxBytes: 2 ** 40 });
const deps = {
  sites: { peek: (id: string) => (id === SITE.id ? SITE : undefined), get: async (id: string) => (id === SITE.id ? SITE : undefined) },
  reducers: createReducers(createPseudonymiser({ pseudonymKeys: new Map([[1, randomBytes(32)]]), currentKeyVersion: 1 }, createMemoryCache())),
  spool,
  consents: {},
  erasures: { erasedAt: () => undefined },
  metrics: createMetrics(),
  visits: { assigner: createVisitAssigner({ store: {} as never, state, maxFutureMs: 5 * 60_000 }) },
} as unknown as IngestDeps;
const TRAITS: RequestTraits = { ip: '127.0.0.1', userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', cookieId: undefined };
let n = 0;
const hit = (i: number) => ({ site: 'bench', url: `https://bench.example/p/${i % 50}?utm_source=x`, cid: `cookie-${i}`, screen: '1920x1080', lang: 'ru-RU' });
for (let r = 0; r < REQUESTS; r++) await ingest(Array.from({ length: 500 }, () => hit(n++)), TRAITS, deps);
await spool.rotate();
const evParts: Buffer[] = [];
const viParts: Buffer[] = [];
for (const seg of spool.queued) {
  for (const rec of decodeSegment(fs.readFileSync(seg.file)).records) {
    const s = splitSections(rec);
    evParts.push(s.own);
    const v = s.sections.get('visits');
    if (v !== undefined) viParts.push(v);
  }
}
const EV_JSON = Buffer.concat(evParts);
const VI_JSON = Buffer.concat(viParts);
// BENCH_KEEP_CAPTURE=dir: the captured rows kept there (events.ndjson, visits.ndjson) for other probes.
if (process.env.BENCH_KEEP_CAPTURE) {
  fs.writeFileSync(path.join(process.env.BENCH_KEEP_CAPTURE, 'events.ndjson'), EV_JSON);
  fs.writeFileSync(path.join(process.env.BENCH_KEEP_CAPTURE, 'visits.ndjson'), VI_JSON);
  process.exit(0);
}
const lines = (b: Buffer) => b.toString('utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

// --- columns and writers -----------------------------------------------------------------------------------
type Kind = 's' | 'u8' | 'u16' | 'u32' | 'u64' | 'i8' | 'dt' | 'enum' | 'map' | 'arr';
const ATTRS = ['host', 'referrer_source', 'referrer_host', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'browser', 'os', 'device', 'screen', 'language', 'country', 'region'];
const EV_COLS: Array<[string, Kind]> = [
  ['site', 's'], ['ts', 'dt'], ['event_id', 's'], ['pid', 'u64'], ['key_version', 'u8'], ['visitor_hash', 'u64'], ['type', 'enum'], ['name', 's'], ['host', 's'], ['path', 's'],
  ...ATTRS.slice(1).map((a): [string, Kind] => [a, 's']),
  ['is_bot', 'u8'], ['consent', 'u8'], ['engagement_ms', 'u32'], ['props', 'map'], ['retention_days', 'u16'], ['visit_id', 'u64'],
];
const VI_COLS: Array<[string, Kind]> = [
  ['site', 's'], ['visit_id', 'u64'], ['version', 'u32'], ['sign', 'i8'], ['pid', 'u64'], ['visitor_hash', 'u64'], ['start', 'dt'], ['end', 'dt'], ['hits', 'u32'], ['pageviews', 'u32'], ['events', 'u32'],
  ['entry_page', 's'], ['entry_ts', 'dt'], ['exit_page', 's'], ['exit_ts', 'dt'], ...ATTRS.map((a): [string, Kind] => [a, 's']), ['retention_days', 'u16'], ['hit_paths', 'arr'], ['hit_names', 'arr'], ['hit_pairs', 'u8'],
];
const ZERO: Record<Kind, unknown> = { s: '', u8: 0, u16: 0, u32: 0, u64: '0', i8: 0, dt: '1970-01-01 00:00:00.000', enum: 'pageview', map: {}, arr: [] };
const full = (o: Record<string, unknown>, cols: Array<[string, Kind]>) => Object.fromEntries(cols.map(([c, k]) => [c, o[c] ?? ZERO[k]]));

const tsvEsc = (s: string): string => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 9 || c === 10 || c === 13 || c === 92 || c === 0) return s.replace(/[\\\t\n\r\0]/g, (m) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' })[m]!);
  }
  return s;
};
const quoted = (s: string) => `'${s.replace(/[\\'\t\n\r\0]/g, (m) => ({ '\\': '\\\\', "'": "\\'", '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' })[m]!)}'`;
function tsvLine(o: Record<string, unknown>, cols: Array<[string, Kind]>): string {
  let out = '';
  for (let i = 0; i < cols.length; i++) {
    const [c, k] = cols[i]!;
    const v = o[c];
    let t: string;
    if (k === 's') t = tsvEsc(v as string);
    else if (k === 'map') {
      const e = Object.entries(v as Record<string, string>);
      t = e.length === 0 ? '{}' : tsvEsc(`{${e.map(([a, b]) => `${quoted(a)}:${quoted(b)}`).join(',')}}`);
    } else if (k === 'arr') t = (v as string[]).length === 0 ? '[]' : tsvEsc(`[${(v as string[]).map(quoted).join(',')}]`);
    else t = String(v);
    out += i === 0 ? t : `\t${t}`;
  }
  return `${out}\n`;
}

const ENUM: Record<string, number> = { pageview: 1, event: 2, engagement: 3 };
const dtMs = (s: string) => Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10), +s.slice(11, 13), +s.slice(14, 16), +s.slice(17, 19), +s.slice(20, 23));
class Bin {
  buf = Buffer.allocUnsafe(1 << 20);
  at = 0;
  room(n: number) {
    if (this.at + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(b, 0, 0, this.at);
    this.buf = b;
  }
  varint(n: number) {
    this.room(5);
    while (n >= 0x80) {
      this.buf[this.at++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.at++] = n;
  }
  str(s: string): void {
    const max = s.length * 3;
    this.room(max + 5);
    if (max < 0x80) {
      const len = this.buf.write(s, this.at + 1);
      this.buf[this.at] = len;
      this.at += 1 + len;
    } else {
      const len = Buffer.byteLength(s);
      this.varint(len);
      this.at += this.buf.write(s, this.at);
    }
  }
}
function binRow(b: Bin, o: Record<string, unknown>, cols: Array<[string, Kind]>): void {
  for (let i = 0; i < cols.length; i++) {
    const [c, k] = cols[i]!;
    const v = o[c];
    b.room(8);
    switch (k) {
      case 's': b.str(v as string); break;
      case 'u8': b.buf[b.at++] = v as number; break;
      case 'i8': b.buf.writeInt8(v as number, b.at++); break;
      case 'enum': b.buf[b.at++] = ENUM[v as string]!; break;
      case 'u16': b.buf.writeUInt16LE(v as number, b.at); b.at += 2; break;
      case 'u32': b.buf.writeUInt32LE(v as number, b.at); b.at += 4; break;
      case 'u64': b.buf.writeBigUInt64LE(BigInt(v as string), b.at); b.at += 8; break;
      case 'dt': { const ms = dtMs(v as string); b.buf.writeUInt32LE(ms % 2 ** 32, b.at); b.buf.writeUInt32LE(Math.floor(ms / 2 ** 32), b.at + 4); b.at += 8; break; }
      case 'map': { const e = Object.entries(v as Record<string, string>); b.varint(e.length); for (const [x, y] of e) { b.str(x); b.str(y); } break; }
      case 'arr': { const a = v as string[]; b.varint(a.length); for (const x of a) b.str(x); break; }
    }
  }
}

const evRows = lines(EV_JSON).map((o) => full(o, EV_COLS));
const viRows = lines(VI_JSON).map((o) => full(o, VI_COLS));
const asText = (rows: Array<Record<string, unknown>>, cols: Array<[string, Kind]>) => Buffer.from(rows.map((r) => tsvLine(r, cols)).join(''));
const asBin = (rows: Array<Record<string, unknown>>, cols: Array<[string, Kind]>) => {
  const b = new Bin();
  for (const r of rows) binRow(b, r, cols);
  return Buffer.from(b.buf.subarray(0, b.at));
};
const PAYLOAD = {
  JSONEachRow: [EV_JSON, VI_JSON],
  TabSeparated: [asText(evRows, EV_COLS), asText(viRows, VI_COLS)],
  RowBinary: [asBin(evRows, EV_COLS), asBin(viRows, VI_COLS)],
} as const;
type Format = keyof typeof PAYLOAD;
console.log(`captured ${evRows.length} events, ${viRows.length} visits rows; bytes per event row: ${Object.entries(PAYLOAD).map(([f, [e, v]]) => `${f} ${(e.length / evRows.length).toFixed(0)}+${(v.length / viRows.length).toFixed(0)}`).join(', ')}`);

// --- the engine ----------------------------------------------------------------------------------------------
const config = loadConfig({ CALYPSO_DATA_DIR: path.join(dir, 'data') });
const store = await openEventStore(config);
await migrate(store, { withLock: (_n, fn) => fn() });
await store.close();
// The rest through chDB's own session on the same files (the store's session is private to its connection):
// its raw insert is what the store's insertNdjson calls, without the JS side's format whitelist.
const chdbRequire = createRequire(createRequire(import.meta.url).resolve('chdb'));
const native = chdbRequire('./dist/loader.js').loadNative() as { InsertRawAsyncConnection(c: unknown, prefix: string, buf: Buffer, countLines: boolean): Promise<{ rowsWritten: number }> };
const { Session } = chdbRequire('./index.js') as { Session: new (p: string) => { connection: unknown; queryAsync(sql: string, o?: object): Promise<unknown>; close(): void } };
const session = new Session(path.join(dir, 'data', 'clickhouse'));
const conn = session.connection;
const store2 = { command: (sql: string) => session.queryAsync(sql) };
await store2.command(`USE ${config.clickhouse.database}`);
await store2.command("CREATE TABLE visits_plain AS visits ENGINE = MergeTree PARTITION BY toYYYYMM(start) ORDER BY (site, toDate(start), visit_id) TTL toDateTime(start) + toIntervalDay(retention_days)");
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
let tableNo = 0;
const TYPE: Record<Kind, string> = { s: 'String', u8: 'UInt8', u16: 'UInt16', u32: 'UInt32', u64: 'UInt64', i8: 'Int8', dt: "DateTime64(3, \\'UTC\\')", enum: "Enum8(\\'pageview\\' = 1, \\'event\\' = 2, \\'engagement\\' = 3)", map: 'Map(String, String)', arr: 'Array(String)' };
const STRUCTURE = [EV_COLS, VI_COLS].map((cols) => cols.map(([c, k]) => `${c} ${TYPE[k]}`).join(', '));
const FILE = Object.fromEntries(
  Object.entries(PAYLOAD).map(([fmt, bufs]) => [
    fmt,
    ['events', 'visits'].map((t, i) => {
      const f = path.join(dir, `${t}.${fmt}`);
      fs.writeFileSync(f, bufs[i]!);
      return f;
    }),
  ]),
) as Record<Format, string[]>;
async function insertCost(fmt: Format, which: 0 | 1, template: string, setup: string[] = [], viaFile = fmt === 'RowBinary'): Promise<number> {
  const t = `fmt_${template}_${tableNo++}`;
  await store2.command(`CREATE TABLE ${t} AS ${template}`);
  for (const s of setup) await store2.command(s.replaceAll('$T', t));
  const cols = (which === 0 ? EV_COLS : VI_COLS).map(([c]) => c).join(', ');
  const data = PAYLOAD[fmt][which];
  const rows = which === 0 ? evRows.length : viRows.length;
  const t0 = cpu();
  // NOTE: chDB's raw insert cannot carry binary rows (it mangles 0x0A bytes: "Cannot read all data"),
  // so RowBinary is read from a file by the engine (file()), which the spool's framed segments are not.
  const r =
    viaFile
      ? await session.queryAsync(`INSERT INTO ${t} (${cols}) SELECT * FROM file('${FILE[fmt][which]}', ${fmt}, '${STRUCTURE[which]}')`).then(() => ({ rowsWritten: rows }))
      : await native.InsertRawAsyncConnection(conn, `INSERT INTO ${t}${fmt === 'JSONEachRow' ? '' : ` (${cols})`} FORMAT ${fmt}`, data, false).catch((e: unknown) => {
          throw new Error(`${fmt} into ${template}: ${String(e)}`);
        });
  const us = (cpu() - t0) / rows;
  if (r.rowsWritten !== rows) throw new Error(`${fmt} ${t}: ${r.rowsWritten} rows written of ${rows}`);
  await store2.command(`DROP TABLE ${t} SYNC`);
  return us;
}

const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const fmts: Format[] = ['JSONEachRow', 'TabSeparated', 'RowBinary'];
const res: Record<string, number[]> = {};
const add = (k: string, v: number) => (res[k] ??= []).push(v);
for (const f of fmts) for (const w of [0, 1] as const) await insertCost(f, w, w === 0 ? 'events' : 'visits'); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? fmts : [...fmts].reverse();
  for (const f of order) {
    add(`${f} events`, await insertCost(f, 0, 'events'));
    add(`${f} visits`, await insertCost(f, 1, 'visits'));
    if (f !== 'RowBinary') add(`${f} events, file()`, await insertCost(f, 0, 'events', [], true));
    if (f !== 'RowBinary') add(`${f} visits, file()`, await insertCost(f, 1, 'visits', [], true));
  }
  // What the visits row's insert costs come from (JSONEachRow): the materialized hashes, the arrays, the sort.
  add('visits − hit_path_hashes', await insertCost('JSONEachRow', 1, 'visits', ['ALTER TABLE $T DROP COLUMN hit_path_hashes']));
  add('visits − hashes − arrays', await insertCost('JSONEachRow', 1, 'visits', ['ALTER TABLE $T DROP COLUMN hit_path_hashes', 'ALTER TABLE $T DROP INDEX visits_pairs_known', 'ALTER TABLE $T DROP COLUMN hit_paths', 'ALTER TABLE $T DROP COLUMN hit_names']));
  add('visits as plain MergeTree', await insertCost('JSONEachRow', 1, 'visits_plain'));
  add('events − visitor_key', await insertCost('JSONEachRow', 0, 'events', ['ALTER TABLE $T DROP COLUMN visitor_key']));
}
console.log('engine: process CPU per row (all threads), median [rounds]');
for (const [k, v] of Object.entries(res)) console.log(`  ${k.padEnd(28)} ${med(v).toFixed(2)} µs [${v.map((x) => x.toFixed(1)).join(' ')}]`);

// --- JS: writing a 500-event record's rows and bytes -------------------------------------------------------
const evObjs = evRows.slice(0, 500) as unknown as Array<EventRow & { visit_id: string }>;
const viObjs = viRows.slice(0, 500) as unknown as VisitRow[];
const js: Record<Format, () => number> = {
  JSONEachRow: () => {
    let text = '';
    for (const e of evObjs) text += eventRowLine(e);
    text += '#visits\n';
    for (const v of viObjs) text += visitRowLine(v);
    const b = Buffer.allocUnsafe(Buffer.byteLength(text));
    return b.write(text);
  },
  TabSeparated: () => {
    let text = '';
    for (const e of evObjs) text += tsvLine(e as unknown as Record<string, unknown>, EV_COLS);
    text += '#visits\n';
    for (const v of viObjs) text += tsvLine(v as unknown as Record<string, unknown>, VI_COLS);
    const b = Buffer.allocUnsafe(Buffer.byteLength(text));
    return b.write(text);
  },
  RowBinary: () => {
    const b = new Bin();
    for (const e of evObjs) binRow(b, e as unknown as Record<string, unknown>, EV_COLS);
    for (const v of viObjs) binRow(b, v as unknown as Record<string, unknown>, VI_COLS);
    return b.at;
  },
};
const jsRes: Record<string, number[]> = {};
for (let r = 0; r < ROUNDS * 4; r++) {
  for (const f of r % 2 === 0 ? fmts : [...fmts].reverse()) {
    const t0 = process.threadCpuUsage();
    for (let i = 0; i < 40; i++) js[f]();
    const t = process.threadCpuUsage(t0);
    (jsRes[f] ??= []).push((t.user + t.system) / (40 * 500));
  }
}
console.log('JS: main-thread CPU per event (its event row and visit row, to bytes), median [rounds]');
for (const [k, v] of Object.entries(jsRes)) console.log(`  ${k.padEnd(28)} ${med(v).toFixed(2)} µs [${v.map((x) => x.toFixed(2)).join(' ')}]`);
session.close();
process.exit(0);
