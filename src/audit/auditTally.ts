// Audit for the hot HTTP paths (segment look-ups, thousands a second): every request is counted, and
// once a second each (key, purpose, route, site, outcome) becomes one audit_log row whose `rows` is the
// number of answers and whose operation names the request count. Nothing is left out; it is only summed.
import { nowSql } from '../store/sqlTime.ts';
import type { AuditRow, AuditSink } from './auditTrail.ts';

export interface AuditTally {
  count(entry: { keyId: string; purpose: string; route: string; site: string; outcome: AuditRow['outcome']; code: string; rows: number; durationMs: number }): void;
  /** Writes what is counted now (shutdown, tests). */
  flush(): void;
  close(): void;
}

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
    count(e) {
      const key = `${e.keyId}\0${e.purpose}\0${e.route}\0${e.site}\0${e.outcome}\0${e.code}`;
      const t = open.get(key);
      if (t !== undefined) {
        t.requests++;
        t.row.rows += e.rows;
        t.row.duration_ms = Math.max(t.row.duration_ms, Math.round(e.durationMs));
        return;
      }
      open.set(key, {
        requests: 1,
        row: { ts: nowSql(), key_id: e.keyId, purpose: e.purpose, operation: e.route, fields: [e.route], sites: e.site === '' ? [] : [e.site], outcome: e.outcome, code: e.code, rows: e.rows, duration_ms: Math.round(e.durationMs), transfer: '' },
      });
    },
    flush,
    close() {
      clearInterval(timer);
      flush();
    },
  };
}
