import type { RequestAccess } from '../access/requestAccess.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';

export interface RequestContext {
  readonly access: RequestAccess;
  readonly audit: AuditTrail;
}
