// auditLog: the trail an administrator reads; a key bound to some sites sees only entries about them.
import { callerKey, SCOPE_SQL, scopeParams } from '../access/siteScope.ts';
import type { RequestContext } from '../graphql/requestContext.ts';
import { clip, echo, invalid } from '../errors/apiError.ts';
import { parseStatsRange, type RangeBound } from '../stats/statsRange.ts';
import type { EventStore } from '../store/eventStore.ts';
import { isoOf } from '../store/sqlTime.ts';
import type { AuditRow } from './auditTrail.ts';

/** A stored row reads back as it was written. */
type Row = AuditRow;

const MAX_LIMIT = 10_000;
/** Paging by offset reaches this far; further back, narrow `to` instead. */
const MAX_OFFSET = 100_000;
const OUTCOMES = ['allowed', 'denied', 'error'];
/** The audit log is kept three years: ask for at most that. */
const MAX_DAYS = 1_096;

const bound = (b: RangeBound) => (b.kind === 'day' ? Date.parse(`${b.day}T00:00:00Z`) : b.ms);

export function createAuditResolvers(store: EventStore) {
  return {
    Query: {
      async auditLog(_: unknown, args: { from: string; to: string; keyId?: string | null; purpose?: string | null; outcome?: string | null; limit: number; offset: number }, ctx: RequestContext) {
        if (!Number.isInteger(args.limit) || args.limit < 1 || args.limit > MAX_LIMIT) throw invalid('limit', `limit must be from 1 to ${MAX_LIMIT}`, 'range', { min: 1, max: MAX_LIMIT });
        if (!Number.isInteger(args.offset) || args.offset < 0 || args.offset > MAX_OFFSET) throw invalid('offset', `offset must be from 0 to ${MAX_OFFSET}`, 'range', { min: 0, max: MAX_OFFSET });
        if (args.outcome != null && !OUTCOMES.includes(args.outcome)) throw invalid('outcome', `outcome must be one of ${OUTCOMES.join(', ')} (got ${echo(args.outcome)})`, 'oneOf', { allowed: OUTCOMES, got: clip(args.outcome) });
        const range = parseStatsRange(args.from, args.to, MAX_DAYS);
        // A key bound to sites reads only rows about its sites: not other sites', not global ones (no site).
        const scope = scopeParams(callerKey(ctx.access));
        const rows = await store.query<Row>(
          `SELECT ts, key_id, purpose, operation, fields, sites, outcome, code, rows, duration_ms, detail
           FROM audit_log
           WHERE ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
             AND ({keyId:String} = '' OR key_id = {keyId:String})
             AND ({purpose:String} = '' OR purpose = {purpose:String})
             AND ({outcome:String} = '' OR outcome = {outcome:String})
             AND ${SCOPE_SQL}
           ORDER BY ts DESC, key_id, operation, outcome
           LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
          { from: bound(range.from), to: bound(range.to), keyId: args.keyId ?? '', purpose: args.purpose ?? '', outcome: args.outcome ?? '', ...scope, limit: args.limit, offset: args.offset },
        );
        return rows.map((r) => ({
          time: isoOf(r.ts),
          keyId: r.key_id,
          purpose: r.purpose,
          operation: r.operation,
          fields: r.fields,
          sites: r.sites,
          outcome: r.outcome,
          code: r.code === '' ? null : r.code,
          rows: Number(r.rows),
          durationMs: Number(r.duration_ms),
          detail: r.detail === '' ? null : r.detail,
        }));
      },
    },
  };
}
