// Writes one audit_log row per GraphQL operation, allowed or denied, through the audit spool (off the
// request path). The same recorder serves Apollo (as a plugin) and the prepared-query path.
import type { ApolloServerPlugin } from '@apollo/server';
import type { Metrics } from '../observability/metrics.ts';
import type { RequestContext } from '../graphql/requestContext.ts';
import { TALLIED_FIELDS, type AuditTally } from './auditTally.ts';
import type { AuditSink } from './auditTrail.ts';

/**
 * Records one operation: its context, the data it answered, and its first error's code. `rows`, when
 * given, stands for countRows(data) (a kept answer, src/graphql/answerCache.ts, has its count, not its data).
 */
export type RecordOperation = (context: RequestContext, operationName: string | undefined, data: unknown, firstCode: unknown, rows?: number) => void;

/**
 * Look-up-only operations and denied ones go to `tally` (one row per second per kind: a flood of refused
 * requests is summed); every other operation is its own row.
 */
export function createOperationRecorder(sink: AuditSink, metrics: Metrics, tally?: AuditTally): RecordOperation {
  const count = (outcome: string, purpose: string) => metrics.graphqlOperations.child({ outcome, purpose }).inc();
  return ({ access, audit }, operationName, data, firstCode, rows = countRows(data)) => {
    const keyId = access.auth.kind === 'ok' || access.auth.kind === 'revoked' ? access.auth.key.id : '';
    const row = audit.toRow(keyId, access.purposeText ?? '', operationName ?? '', rows, typeof firstCode === 'string' ? firstCode : undefined);
    count(row.outcome, access.purpose ?? 'none');
    const summed = row.outcome === 'denied' || (row.fields.length > 0 && row.fields.every((f) => TALLIED_FIELDS.has(f)));
    if (tally !== undefined && summed) tally.count(row);
    else sink.record(row);
  };
}

export function auditPlugin(record: RecordOperation): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response, operationName, errors }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          // The formatted errors first: a resolver's ApiError (an InputError from createSite, say) has its
          // code only once formatError has mapped it; the raw one would be recorded as allowed.
          record(contextValue, operationName ?? undefined, body?.data, (body?.errors ?? errors)?.[0]?.extensions?.code);
        },
      };
    },
  };
}

/** Rows an operation answered: the sum over its root fields. */
export function countRows(data: unknown): number {
  let rows = 0;
  for (const v of Object.values((data ?? {}) as Record<string, unknown>)) rows += rowsIn(v);
  return rows;
}

/** Rows a root field returned: a list's length, a statistics answer's rows, else one value or none. */
function rowsIn(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (v === null || v === undefined) return 0;
  const rows = (v as { rows?: unknown }).rows;
  return Array.isArray(rows) ? rows.length : 1;
}
