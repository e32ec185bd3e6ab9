import type { RequestAccess } from '../access/requestAccess.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';

export interface RequestContext {
  readonly access: RequestAccess;
  readonly audit: AuditTrail;
  /** Set by a resolver that answered from a fallback (e.g. the segment index was down): sent as X-Calypso-Degraded. */
  degraded?: string;
}
