import type { RequestAccess } from '../access/requestAccess.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import type { Site } from '../sites/siteStore.ts';
import type { StatsCacheEntry } from '../stats/statsCache.ts';

/** A `stats` field's answer, where the statistics cache holds it, and the site settings that shaped it. */
export interface AnsweredStats {
  readonly entry: StatsCacheEntry;
  readonly site: Pick<Site, 'id' | 'timezone' | 'kAnonymity' | 'retentionDays'>;
}

export interface RequestContext {
  readonly access: RequestAccess;
  readonly audit: AuditTrail;
  /**
   * What resolvers tell the HTTP response. An object of its own because Apollo shallow-copies the context
   * per operation: a field set on the copy would be lost, one set on this shared object is not.
   */
  readonly response: { degraded?: string };
  /**
   * Each `stats` field answered in this operation notes here its answer's place in the statistics cache
   * (shared by Apollo's copies of the context, as `response`): how src/graphql/answerCache.ts knows
   * whether the operation's answer may be kept, and later whether it still holds. Absent: not noted.
   */
  readonly answered?: AnsweredStats[];
}
