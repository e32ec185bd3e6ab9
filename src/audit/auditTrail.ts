// What one GraphQL operation touched, collected by the resolvers and written as one audit_log row.
import type { Logger } from '../observability/logger.ts';
import type { Spool } from '../pipeline/spool.ts';
import { nowSql } from '../store/sqlTime.ts';
import { boundRow } from './auditBounds.ts';

export interface AuditRow {
  ts: string;
  key_id: string;
  purpose: string;
  operation: string;
  fields: string[];
  sites: string[];
  outcome: 'allowed' | 'denied' | 'error';
  code: string;
  rows: number;
  duration_ms: number;
  /** What a privacy officer must see of the operation: a transfer's recipient, an erasure's reason, a legal basis. */
  detail: string;
}

export class AuditTrail {
  readonly startedAt = Date.now();
  private readonly fields = new Set<string>();
  private readonly sites = new Set<string>();
  private denied: string | undefined;
  private readonly notes: string[] = [];

  touch(field: string, sites: readonly string[], deniedCode: string | undefined): void {
    this.fields.add(field);
    for (const s of sites) this.sites.add(s);
    this.denied ??= deniedCode;
  }

  /** The fields and sites touched so far, in the order they were first touched. */
  touched(): { fields: string[]; sites: string[] } {
    return { fields: [...this.fields], sites: [...this.sites] };
  }

  /** Records a transfer to a third party (policy 3.3): who received what, logged with the operation. */
  transfer(description: string): void {
    this.notes.push(`transfer: ${description}`);
  }

  /** Records why the operation was done (an erasure's reason) or under what (a legal basis). */
  note(text: string): void {
    this.notes.push(text);
  }

  /** The row for this operation; `errorCode` is the first error's code when the operation failed otherwise. */
  toRow(keyId: string, purpose: string, operation: string, rows: number, errorCode: string | undefined): AuditRow {
    const outcome = this.denied !== undefined ? 'denied' : errorCode !== undefined ? 'error' : 'allowed';
    // NOTE: sites, the operation's name, the purpose and the notes are client text, and a lone UTF-16
    // surrogate would get the audit spool's segment refused by ClickHouse: mended to U+FFFD, never lost.
    return {
      ts: nowSql(new Date(this.startedAt)),
      key_id: keyId,
      purpose: purpose.toWellFormed(),
      operation: operation.toWellFormed(),
      fields: [...this.fields].map((f) => f.toWellFormed()),
      sites: [...this.sites].map((s) => s.toWellFormed()),
      outcome,
      code: this.denied ?? errorCode ?? '',
      rows,
      duration_ms: Date.now() - this.startedAt,
      detail: this.notes.join('; ').toWellFormed(),
    };
  }
}

export interface AuditSink {
  /** Takes the row off the request path; it is durable within one group commit. */
  record(row: AuditRow): void;
}

/** Audit rows go through their own spool, like hits: a crash does not lose the trail. */
export function spooledAuditSink(spool: Spool, log: Logger, retentionDays = 1_096): AuditSink {
  // On a full disk every operation fails to write its row: one error line per 10 s with the count, not
  // one per operation (the log would bury everything else).
  let unwritten = 0;
  let lastLogged = 0;
  return {
    record(given) {
      const row = boundRow(given);
      // Each row carries its retention (CALYPSO_AUDIT_RETENTION_DAYS); the table's TTL reads it.
      spool.append(Buffer.from(`${JSON.stringify({ ...row, retention_days: retentionDays })}\n`)).catch((err: unknown) => {
        unwritten++;
        if (Date.now() - lastLogged < 10_000) return;
        lastLogged = Date.now();
        log.error({ err: err instanceof Error ? err.message : String(err), operation: row.operation, rows: unwritten }, 'audit rows could not be written');
        unwritten = 0;
      });
    },
  };
}
