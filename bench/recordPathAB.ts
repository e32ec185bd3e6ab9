// An A/B of the collector's record path between two checkouts, in one process and interleaved round by round:
// a request's event and visit lines, its spool record, Spool.append with the group commit on a real disk
// (fdatasync included). Prints the main thread's CPU per event (process.threadCpuUsage) of each side, the
// medians and the median of the paired differences (B − A).
//   node bench/recordPathAB.ts <rootA> <rootB> [case=batch] [rounds=14]     (case: single, batch)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventRow } from '../src/privacy/toEventRow.ts';
import type { VisitRow } from '../src/visits/visitRow.ts';
import { interleavedAB } from './interleavedAB.ts';

const [rootA, rootB, kind = 'batch', roundsArg = '14'] = process.argv.slice(2);
if (rootA === undefined || rootB === undefined) throw new Error('usage: node bench/recordPathAB.ts <rootA> <rootB> [single|batch] [rounds]');

type Sections = ReadonlyArray<readonly ['visits' | 'visit_aliases', string]>;
interface Side {
  record(rows: readonly EventRow[], visits: readonly VisitRow[]): Buffer | string;
  spool: { append(payload: Buffer | string, tags: Iterable<string>): Promise<void>; rotate(): Promise<void>; queued: readonly object[]; ack(seg: object): Promise<void> };
  dir: string;
}

async function load(root: string): Promise<Side> {
  const src = path.resolve(root, 'src');
  const { eventRowLine } = (await import(`${src}/collect/eventRowLine.ts`)) as { eventRowLine: (r: EventRow) => string };
  const { visitRowLine } = (await import(`${src}/visits/visitRow.ts`)) as { visitRowLine: (r: VisitRow) => string };
  const sections = (await import(`${src}/pipeline/spoolSections.ts`)) as { sectionsText?: (own: string, s: Sections) => string; withSections?: (own: string, s: Sections) => Buffer };
  const { Spool } = (await import(`${src}/pipeline/spool.ts`)) as { Spool: { open(o: { dir: string; maxBytes: number }): Promise<Side['spool']> } };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-recordab-'));
  const spool = await Spool.open({ dir, maxBytes: 2 ** 40 });
  // As ingest.ts builds a request's record on either side (text since sectionsText, a buffer before).
  const record = (rows: readonly EventRow[], visits: readonly VisitRow[]) => {
    let ev = '';
    for (const r of rows) ev += eventRowLine(r);
    let vi = '';
    for (const v of visits) vi += visitRowLine(v);
    const s: Sections = [['visits', vi], ['visit_aliases', '']];
    return sections.sectionsText !== undefined ? sections.sectionsText(ev, s) : sections.withSections!(ev, s);
  };
  return { record, spool, dir };
}

// The rows of ingestCpu.ts's hits, as toEventRow and placeHit make them for new visitors.
const row = (i: number): EventRow & { visit_id: string } => ({
  site: 'bench', ts: '2026-12-01 02:50:01.123', event_id: `8c0e7a3e-1f2b-4c5d-9e8f-${100_000_000_000 + i}`, pid: String(1234567890123456789n + BigInt(i)), key_version: 1,
  visitor_hash: '0', type: 'pageview', name: '', host: 'bench.example', path: `/p/${i % 50}`, referrer_source: 'direct', referrer_host: '', utm_source: 'x', utm_medium: '',
  utm_campaign: '', utm_term: '', utm_content: '', browser: 'Firefox', os: 'Linux', device: 'desktop', screen: '1920x1080', language: 'ru-ru', country: '', region: '',
  is_bot: 0, consent: 7, engagement_ms: 0, props: {}, retention_days: 730, visit_id: String((1n << 60n) + BigInt(i)),
});
const visit = (r: EventRow & { visit_id: string }): VisitRow => ({
  site: r.site, visit_id: r.visit_id, version: 1, sign: 1, pid: r.pid, visitor_hash: r.visitor_hash, start: r.ts, end: r.ts, hits: 1, pageviews: 1, events: 0,
  entry_page: r.path, entry_ts: r.ts, exit_page: r.path, exit_ts: r.ts, host: r.host, referrer_source: r.referrer_source, referrer_host: '', utm_source: 'x',
  utm_medium: '', utm_campaign: '', utm_term: '', utm_content: '', browser: r.browser, os: r.os, device: r.device, screen: r.screen, language: r.language,
  country: '', region: '', retention_days: 730, hit_paths: [r.path], hit_names: [''], hit_pairs: 1,
});
const perRequest = kind === 'batch' ? 500 : 1;
const concurrent = kind === 'batch' ? 16 : 32;
const requests = Array.from({ length: 64 }, (_, q) => {
  const rows = Array.from({ length: perRequest }, (_, i) => row(q * perRequest + i));
  return { rows, visits: rows.map(visit) };
});
const eventsPerRound = kind === 'batch' ? 16 * 500 * 12 : 32 * 300;

/** One round: requests `concurrent` at a time, each appended as the collector does; main-thread µs per event. */
async function round(side: Side): Promise<number> {
  const t0 = process.threadCpuUsage();
  let q = 0;
  for (let done = 0; done < eventsPerRound; done += concurrent * perRequest) {
    const waits: Array<Promise<void>> = [];
    for (let c = 0; c < concurrent; c++) {
      const r = requests[q++ % requests.length]!;
      waits.push(side.spool.append(side.record(r.rows, r.visits), ['bench']));
    }
    await Promise.all(waits);
  }
  const t = process.threadCpuUsage(t0);
  return (t.user + t.system) / eventsPerRound;
}

const sides = [await load(rootA), await load(rootB)] as const;
await interleavedAB(sides, {
  kind,
  rounds: Number(roundsArg),
  round,
  // The segments are not delivered here: dropped between rounds, so the disk holds one round's at most.
  between: async (side) => {
    await side.spool.rotate();
    for (const seg of [...side.spool.queued]) await side.spool.ack(seg);
  },
});
for (const s of sides) fs.rmSync(s.dir, { recursive: true, force: true });
process.exit(0);
