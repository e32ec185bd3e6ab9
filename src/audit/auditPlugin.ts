// Writes one audit_log row per GraphQL operation, allowed or denied, through the audit spool (off the request path).
import type { ApolloServerPlugin } from '@apollo/server';
import type { Metrics } from '../observability/metrics.ts';
import type { RequestContext } from '../graphql/requestContext.ts';
import { TALLIED_FIELDS, type AuditTally } from './auditTally.ts';
import type { AuditSink } from './auditTrail.ts';

/** Look-up-only operations go to `tally` (one row per second per kind); every other operation is its own row. */
export function auditPlugin(sink: AuditSink, metrics: Metrics, tally?: AuditTally): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response, operationName, errors }) {
          const { access, audit } = contextValue;
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const data = (body?.data ?? {}) as Record<string, unknown>;
          let rows = 0;
          for (const v of Object.values(data)) rows += rowsIn(v);
          const firstCode = (errors ?? body?.errors)?.[0]?.extensions?.code;
          const keyId = access.auth.kind === 'ok' || access.auth.kind === 'revoked' ? access.auth.key.id : '';
          const row = audit.toRow(keyId, access.purposeText ?? '', operationName ?? '', rows, typeof firstCode === 'string' ? firstCode : undefined);
          metrics.graphqlOperations.inc({ outcome: row.outcome, purpose: access.purpose ?? 'none' });
          if (tally !== undefined && row.fields.length > 0 && row.fields.every((f) => TALLIED_FIELDS.has(f))) tally.count(row);
          else sink.record(row);
        },
      };
    },
  };
}

/** Rows a root field returned: a list's length, a statistics answer's rows, else one value or none. */
function rowsIn(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (v === null || v === undefined) return 0;
  const rows = (v as { rows?: unknown }).rows;
  return Array.isArray(rows) ? rows.length : 1;
}
