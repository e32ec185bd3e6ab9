// What one GraphQL operation touched, collected by the resolvers and written as one audit_log row.
import type { Batcher } from '../pipeline/batcher.ts';
import { nowSql } from '../store/sqlTime.ts';

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
}

export class AuditTrail {
  readonly startedAt = Date.now();
  private readonly fields = new Set<string>();
  private readonly sites = new Set<string>();
  private denied: string | undefined;

  touch(field: string, sites: readonly string[], deniedCode: string | undefined): void {
    this.fields.add(field);
    for (const s of sites) this.sites.add(s);
    this.denied ??= deniedCode;
  }

  /** The row for this operation; `errorCode` is the first error's code when the operation failed otherwise. */
  toRow(keyId: string, purpose: string, operation: string, rows: number, errorCode: string | undefined): AuditRow {
    const outcome = this.denied !== undefined ? 'denied' : errorCode !== undefined ? 'error' : 'allowed';
    return {
      ts: nowSql(new Date(this.startedAt)),
      key_id: keyId,
      purpose,
      operation,
      fields: [...this.fields],
      sites: [...this.sites],
      outcome,
      code: this.denied ?? errorCode ?? '',
      rows,
      duration_ms: Date.now() - this.startedAt,
    };
  }
}

export type AuditSink = Batcher<AuditRow>;
