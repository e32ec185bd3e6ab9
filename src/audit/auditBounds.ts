// What an audit row may take from a client is bounded: the trail is kept for years, and a request that is
// refused must not write its 1 MB arguments into it (README "Errors and limits"). Every row passes here
// on its way in (the tally and the sink), so no path can forget.
import { clip, ECHO_MAX } from '../errors/apiError.ts';
import type { AuditRow } from './auditTrail.ts';

/** Each value a row takes from a client (a site id, the operation name, the purpose text): the echo() length. */
export const AUDIT_VALUE_MAX = ECHO_MAX;
/** Items kept of a list (sites, fields); the rest is summed as one "…+N" item. */
export const AUDIT_LIST_MAX = 16;
/** The detail (an erasure's reason, a transfer's recipient, an import's counts). */
export const AUDIT_DETAIL_MAX = 1024;

// The one cutter, shared with echo(): an audit value is cut exactly as an error message quotes it.
export { clip };

function clipList(xs: string[]): string[] {
  let fits = xs.length <= AUDIT_LIST_MAX;
  for (let i = 0; fits && i < xs.length; i++) fits = xs[i]!.length <= AUDIT_VALUE_MAX;
  if (fits) return xs;
  const kept = xs.slice(0, AUDIT_LIST_MAX).map((x) => clip(x));
  if (xs.length > AUDIT_LIST_MAX) kept.push(`…+${xs.length - AUDIT_LIST_MAX}`);
  return kept;
}

/** The row as it may be written: the same object when nothing is too long (the hot paths allocate nothing). */
export function boundRow(row: AuditRow): AuditRow {
  const fields = clipList(row.fields);
  const sites = clipList(row.sites);
  const long =
    fields !== row.fields ||
    sites !== row.sites ||
    row.purpose.length > AUDIT_VALUE_MAX ||
    row.operation.length > AUDIT_VALUE_MAX ||
    row.key_id.length > AUDIT_VALUE_MAX ||
    row.code.length > AUDIT_VALUE_MAX ||
    row.detail.length > AUDIT_DETAIL_MAX;
  if (!long) return row;
  return {
    ...row,
    key_id: clip(row.key_id),
    purpose: clip(row.purpose),
    operation: clip(row.operation),
    code: clip(row.code),
    fields,
    sites,
    detail: clip(row.detail, AUDIT_DETAIL_MAX),
  };
}
