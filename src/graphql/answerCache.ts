// Kept answers of whole statistics operations: the body the prepared-query path sent for a request whose
// every root field is `stats` answered through the statistics cache, kept as bytes and sent again for the
// very same request body under the very same key and purpose, without executing the operation again
// (parsing its variables and arguments, compiling and hashing each query, parsing each cached answer,
// completing its rows, serialising them: most of a cached request's CPU, docs/performance.md "cached").
//
// NOTE: privacy. A kept answer is only a faster way to what the statistics cache would answer:
// - it is kept per key: the key's id, its purposes and its sites, and the declared purpose, are part of
//   the entry's name, so a key whose sites or purposes differ never gets another's entry, even one with
//   the same request body;
// - every time, the same per-field check as enforcePurposes.ts runs (checkAccess: a live key, the purpose
//   declared, allowed to the key and to `Query.stats`, every site among the key's); a denial is never
//   answered here but by the whole path, which refuses and audits it as always;
// - every time, the operation is audited as the whole path audits it: the same fields and sites touched,
//   the same rows counted, one row per operation through the same recorder;
// - every time, each of its answers must still be a hit of the statistics cache by that cache's own
//   rules (StatsCache.stillCached: the site's and the global watermarks unchanged, the answer not
//   expired or evicted), and each site's settings that shape an answer (time zone, k, retention) must be
//   what they were; else the whole path answers, and keeps its new answer.
import type { GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import { checkAccess } from '../access/checkAccess.ts';
import { declaredPurposes } from '../access/enforcePurposes.ts';
import type { Purpose } from '../access/purposes.ts';
import type { RequestAccess } from '../access/requestAccess.ts';
import { countRows } from '../audit/auditPlugin.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import type { StatsCache } from '../stats/statsCache.ts';
import type { AnsweredStats, RequestContext } from './requestContext.ts';

/** The only root field whose answers are kept: the one the statistics cache answers. */
export const KEPT_FIELD = 'Query.stats';

export interface AnswerCacheOptions {
  /** Most answers kept, least recently used first out. Default 2 000. */
  maxEntries?: number;
  /** Most bytes of bodies kept in all. Default 32 MiB. */
  maxBytes?: number;
  /** A larger body is not kept. Default 1 MiB. */
  maxAnswerBytes?: number;
  /** Longest an answer is kept (each use checks the statistics cache anyway). Default 600 000 ms, as statsCache. */
  ttlMs?: number;
}

export interface AnswerCacheDeps {
  /** The executable schema: the purposes `Query.stats` serves are read from its @purpose. */
  schema: GraphQLSchema;
  sites: SiteStore;
  statsCache: StatsCache;
}

/** What is sent and audited again. */
export interface KeptAnswer {
  /** Text, not bytes: node:http then writes head and body as one string, one write (a Buffer is a writev of two). */
  readonly body: string;
  readonly bytes: number;
  /** Rows the operation answered, as the audit counts them (countRows). */
  readonly rows: number;
  /** The audit trail's fields and sites, in the order the operation touched them. */
  readonly fields: readonly string[];
  readonly sites: readonly string[];
  readonly answered: readonly AnsweredStats[];
}

export interface AnswerCache {
  /**
   * The kept answer to this request body under this request's access, checked and touched on its audit
   * trail as the operation would have been; undefined when the whole path must answer.
   */
  serve(body: string, context: RequestContext): Promise<KeptAnswer | undefined>;
  /** Keeps the prepared path's answer to this body, when it qualifies (see the file's head). */
  keep(body: string, context: RequestContext, answer: { status: number; body: string; data: unknown; errors: unknown }): void;
  /** Answers kept (for tests and metrics). */
  readonly size: number;
}

/** The entry's name: whose access, then the request body, byte for byte. Undefined without a live key. */
function nameOf(access: RequestAccess, body: string): string | undefined {
  const { auth, purposeText } = access;
  if (auth.kind !== 'ok' || purposeText === undefined) return undefined;
  const { id, purposes, sites } = auth.key;
  // NOTE: \0 cannot occur in a key id, a purpose or a site id (siteInput.ts), so the parts cannot run together.
  return `${id}\0${purposeText}\0${purposes.join(',')}\0${sites === '*' ? '*' : sites.join(',')}\0${body}`;
}

export function createAnswerCache(deps: AnswerCacheDeps, options: AnswerCacheOptions = {}): AnswerCache {
  const maxAnswerBytes = options.maxAnswerBytes ?? 1_048_576;
  // As enforcePurposes.ts decides for the field (a schema without it: nothing is ever served here).
  const allowed: ReadonlySet<Purpose> = declaredPurposes(deps.schema).get(KEPT_FIELD) ?? new Set();
  const kept = new LRUCache<string, KeptAnswer>({
    max: options.maxEntries ?? 2_000,
    maxSize: options.maxBytes ?? 32 * 1_048_576,
    // The body and the name (its request body) are what weigh.
    sizeCalculation: (v, k) => v.bytes + k.length + 256,
    ttl: options.ttlMs ?? 600_000,
    ttlAutopurge: false,
  });

  /** Whether each site's settings that shape its answers are those the answer was computed with. */
  const sitesUnchanged = async (answered: readonly AnsweredStats[]) => {
    for (const a of answered) {
      const site = await deps.sites.get(a.site.id);
      if (site === undefined || site.timezone !== a.site.timezone || site.kAnonymity !== a.site.kAnonymity || site.retentionDays !== a.site.retentionDays) return false;
    }
    return true;
  };

  return {
    async serve(body, context) {
      const name = nameOf(context.access, body);
      const answer = name === undefined ? undefined : kept.get(name);
      if (answer === undefined) return undefined;
      // enforcePurposes.ts's check of the root fields, under this request's access.
      if (checkAccess(context.access, KEPT_FIELD, allowed, answer.sites) !== undefined) return undefined;
      if (!(await sitesUnchanged(answer.answered)) || !(await deps.statsCache.stillCached(answer.answered.map((a) => a.entry)))) {
        kept.delete(name!);
        return undefined;
      }
      // The trail as enforcePurposes.ts leaves it: each root field touched with its site, nothing denied.
      for (const [i, field] of answer.fields.entries()) context.audit.touch(field, i === 0 ? answer.sites : [], undefined);
      return answer;
    },
    keep(body, context, answer) {
      const name = nameOf(context.access, body);
      const answered = context.answered;
      if (name === undefined || answered === undefined || answered.length === 0) return;
      if (answer.status !== 200 || answer.errors !== undefined || context.response.degraded !== undefined) return;
      if (answered.some((a) => a.entry.key === '')) return;
      const touched = context.audit.touched();
      // Only `stats` fields (no other root field, no nested field denied): each of them noted its answer.
      if (touched.fields.length === 0 || touched.fields.some((f) => f !== KEPT_FIELD)) return;
      const bytes = Buffer.byteLength(answer.body);
      if (bytes > maxAnswerBytes) return;
      kept.set(name, { body: answer.body, bytes, rows: countRows(answer.data), fields: touched.fields, sites: touched.sites, answered: [...answered] });
    },
    get size() {
      return kept.size;
    },
  };
}
