// `calypso spool redeliver`: puts what a spool set aside (failed/) back in the spool, once an operator
// has fixed the cause, for the next start to deliver. Files are moved, never copied, and keep the names
// their dedup tokens come from: a whole segment keeps its token, a single refused record is framed
// into a segment of its own named `…-r<i>.log`, delivered under the token `<run>:<seq>/<i>` it had. So
// a segment inserted twice (before it was set aside and again now) is stored once.
import fs from 'node:fs';
import path from 'node:path';
import { SEGMENT_FILE } from './spool.ts';
import { fsyncDir } from './spoolAside.ts';
import { encodeRecord } from './spoolRecord.ts';

export interface RedeliverProgress {
  table: string;
  file: string;
  kind: 'segment' | 'record';
  bytes: number;
}

export interface RedeliverSummary {
  table: string;
  segments: number;
  records: number;
  bytes: number;
  /** Files left where they were, with why. */
  skipped: Array<{ file: string; why: string }>;
}

const RECORD_FILE = /^(seg-\d{16}-[0-9a-f]{16})-(\d+)\.ndjson$/;

/** Moves one table's set-aside segments and records back into its spool directory. */
export function redeliverTable(spoolRoot: string, table: string, onProgress: (p: RedeliverProgress) => void = () => {}): RedeliverSummary {
  const dir = path.join(spoolRoot, table);
  const failed = path.join(dir, 'failed');
  const summary: RedeliverSummary = { table, segments: 0, records: 0, bytes: 0, skipped: [] };
  if (!fs.existsSync(failed)) return summary;
  for (const f of fs.readdirSync(failed).sort()) {
    const from = path.join(failed, f);
    if (SEGMENT_FILE.test(f)) {
      const to = path.join(dir, f);
      if (fs.existsSync(to)) {
        summary.skipped.push({ file: from, why: 'a segment of that name is already in the spool' });
        continue;
      }
      const bytes = fs.statSync(from).size;
      fs.renameSync(from, to);
      fs.rmSync(`${from}.reason`, { force: true });
      summary.segments++;
      summary.bytes += bytes;
      onProgress({ table, file: f, kind: 'segment', bytes });
      continue;
    }
    const m = RECORD_FILE.exec(f);
    if (m === null) continue; // reasons and anything else an operator left there
    const to = path.join(dir, `${m[1]}-r${m[2]}.log`);
    if (fs.existsSync(to)) {
      summary.skipped.push({ file: from, why: 'that record is already in the spool' });
      continue;
    }
    // Written under a name the spool ignores, made durable, then renamed: a crash leaves it whole or absent.
    const framed = encodeRecord(fs.readFileSync(from));
    const tmp = `${to}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeFileSync(fd, framed);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, to);
    fs.rmSync(from);
    fs.rmSync(path.join(failed, `${m[1]}-${m[2]}.reason`), { force: true });
    summary.records++;
    summary.bytes += framed.length;
    onProgress({ table, file: f, kind: 'record', bytes: framed.length });
  }
  if (summary.segments + summary.records > 0) fsyncDir(dir);
  return summary;
}
