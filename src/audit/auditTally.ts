// Audit for the hot read paths (segment look-ups, thousands a second) and for refused requests (so a
// flood of failures from one address is summed, not written one row each): every request is counted, and
// once a second each (key, purpose, fields, sites, outcome, code) becomes one audit_log row whose `rows`
// sums the answers and whose operation ends in "×<requests>". Nothing is left out; it is only summed.
import { nowSql } from '../store/sqlTime.ts';
import { boundRow } from './auditBounds.ts';
import type { AuditRow, AuditSink } from './auditTrail.ts';

export interface AuditTally {
  count(row: AuditRow): void;
  /** Writes what is counted now (shutdown, tests). */
  flush(): void;
  close(): void;
}

/** Root fields whose operations are tallied rather than written one by one: look-ups, read-only, per cookie. */
export const TALLIED_FIELDS: ReadonlySet<string> = new Set(['Query.segmentsForCookie', 'Query.segmentsForCookies', 'Query.personalization']);

export function createAuditTally(sink: AuditSink, intervalMs = 1_000): AuditTally {
  let open = new Map<string, { row: AuditRow; requests: number }>();
  const flush = () => {
    const done = open;
    open = new Map();
    for (const { row, requests } of done.values()) sink.record({ ...row, operation: `${row.operation} ×${requests}` });
  };
  const timer = setInterval(flush, intervalMs);
  timer.unref();
  return {
    count(given) {
      const row = boundRow(given);
      const key = `${row.key_id}\0${row.purpose}\0${row.operation}\0${joined(row.fields)}\0${joined(row.sites)}\0${row.outcome}\0${row.code}\0${row.detail}`;
      const t = open.get(key);
      // A row without a time takes the time its second of counting opened.
      if (t === undefined) return void open.set(key, { requests: 1, row: { ...row, ts: row.ts === '' ? nowSql() : row.ts, duration_ms: Math.round(row.duration_ms) } });
      t.requests++;
      t.row.rows += row.rows;
      t.row.duration_ms = Math.max(t.row.duration_ms, Math.round(row.duration_ms));
    },
    flush,
    close() {
      clearInterval(timer);
      flush();
    },
  };
}

// Look-ups name one field and one site: no join for those.
function joined(xs: readonly string[]): string {
  return xs.length === 1 ? xs[0]! : xs.join(',');
}
