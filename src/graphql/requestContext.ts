import type { RequestAccess } from '../access/requestAccess.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';

export interface RequestContext {
  readonly access: RequestAccess;
  readonly audit: AuditTrail;
  /**
   * What resolvers tell the HTTP response. An object of its own because Apollo shallow-copies the context
   * per operation: a field set on the copy would be lost, one set on this shared object is not.
   */
  readonly response: { degraded?: string };
}
