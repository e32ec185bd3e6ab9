import type { GraphQLResolveInfo } from 'graphql';
import type { EventStore } from '../store/eventStore.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import { requireSite } from '../sites/requireSite.ts';
import { invalid } from '../errors/apiError.ts';
import { apiError } from '../graphql/errors.ts';
import { compileStats, type StatsFilter, type StatsOrder } from './compileStats.ts';
import type { ResultRow, StatsValue } from './statsResult.ts';
import { createStatsBatcher, type StatsBatcher, type StatsTicket } from './statsBatch.ts';
import { createVisitorListsMemo } from './visitorLists.ts';
import { createVisitPairsDecision } from './uncertainVisits.ts';
import type { StatsCache } from './statsCache.ts';
import type { AnsweredStats, RequestContext } from '../graphql/requestContext.ts';
import { createInFlight } from './inFlight.ts';
import { DIMENSIONS, enumToField, METRICS, type Dimension, type Metric } from './statsCatalog.ts';
import { parseStatsRange } from './statsRange.ts';
import { readStatsSelection } from './statsSelection.ts';


/** Limits on every statistics query, so no request can hold the engine. */
export const STATS_QUERY_SETTINGS = { max_execution_time: 30, max_result_rows: '20000', result_overflow_mode: 'throw', group_by_use_nulls: 1 } as const;
export const STATS_LIMITS = { maxLimit: 10_000, maxOffset: 1_000_000_000, maxFilters: 20, maxFilterValues: 1_000, maxValueLength: 1_000, maxTimeBuckets: 2_000 } as const;

const BUCKETS_PER_DAY = { HOUR: 24, DAY: 1, WEEK: 1 / 7, MONTH: 1 / 28 } as const;

interface StatsArgs {
  site: string;
  from: string;
  to: string;
  filter?: Array<{ dimension: string; op: StatsFilter['op']; values: string[] }> | null;
  orderBy?: Array<{ field: string; direction: 'ASC' | 'DESC' }> | null;
  limit: number;
  offset: number;
}

const DIMENSION_SET: ReadonlySet<string> = new Set(DIMENSIONS);
const METRIC_SET: ReadonlySet<string> = new Set(METRICS);

function validateFilters(args: StatsArgs): StatsFilter[] {
  const filters = args.filter ?? [];
  if (filters.length > STATS_LIMITS.maxFilters) throw invalid('filter', `filter takes at most ${STATS_LIMITS.maxFilters} conditions`, 'items', { max: STATS_LIMITS.maxFilters });
  return filters.map((f, i) => {
    const field = `filter[${i}]`;
    if ((f.op === 'EQ' || f.op === 'NEQ') && f.values.length !== 1) throw invalid(field, `${field}: ${f.op} takes exactly one value`, 'items', { min: 1, max: 1 });
    if (f.values.length === 0 || f.values.length > STATS_LIMITS.maxFilterValues) throw invalid(field, `${field}: values must hold 1–${STATS_LIMITS.maxFilterValues} strings`, 'items', { min: 1, max: STATS_LIMITS.maxFilterValues });
    if (f.values.some((v) => v.length > STATS_LIMITS.maxValueLength)) throw invalid(field, `${field}: each value must be at most ${STATS_LIMITS.maxValueLength} characters`, 'length', { max: STATS_LIMITS.maxValueLength });
    return { dimension: enumToField(f.dimension) as Dimension, op: f.op, values: f.values };
  });
}

function validateOrder(args: StatsArgs, dimensions: readonly Dimension[]): StatsOrder[] {
  return (args.orderBy ?? []).map((o, i) => {
    const field = enumToField(o.field);
    if (DIMENSION_SET.has(field) && !dimensions.includes(field as Dimension)) {
      throw invalid(`orderBy[${i}]`, `orderBy[${i}]: ${o.field} is not selected under rows, so it cannot order them`, 'oneOf', { allowed: [...dimensions, ...METRICS], got: o.field });
    }
    if (!DIMENSION_SET.has(field) && !METRIC_SET.has(field)) throw invalid(`orderBy[${i}]`, `orderBy[${i}]: unknown field ${o.field}`, 'oneOf', { allowed: [...dimensions, ...METRICS], got: o.field });
    return { field: field as Dimension | Metric, direction: o.direction };
  });
}

export function createStatsResolvers(store: EventStore, sites: SiteStore, cache: StatsCache) {
  const runSql = (sql: string, params: Record<string, unknown>) => store.query<ResultRow>(sql, params, STATS_QUERY_SETTINGS);
  // One batcher per operation: its calls over the same visits run as one query (statsBatch.ts).
  const batchers = new WeakMap<object, StatsBatcher>();
  const decide = createVisitPairsDecision(runSql);
  // Shared like `decide`: a site too big for the visitor lists is known to every operation.
  const lists = createVisitorListsMemo();
  // Answers under way, by cache key: the same query asked again meanwhile joins (inFlight.ts).
  const inFlight = createInFlight<StatsValue>();
  const batcherOf = (ctx: unknown): StatsBatcher => {
    if (typeof ctx !== 'object' || ctx === null) return createStatsBatcher(runSql, decide, lists);
    const known = batchers.get(ctx);
    if (known !== undefined) return known;
    const made = createStatsBatcher(runSql, decide, lists);
    batchers.set(ctx, made);
    return made;
  };
  return {
    Query: {
      async stats(_: unknown, args: StatsArgs, ctx: unknown, info: GraphQLResolveInfo): Promise<StatsValue> {
        const ticket = batcherOf(ctx).enter();
        try {
          return await answer(args, info, ticket, (ctx as Partial<RequestContext> | null)?.answered);
        } finally {
          ticket.leave();
        }
      },
    },
  };

  async function answer(args: StatsArgs, info: GraphQLResolveInfo, ticket: StatsTicket, answered: AnsweredStats[] | undefined): Promise<StatsValue> {
    const site = await requireSite(sites, args.site);
    const range = parseStatsRange(args.from, args.to, site.retentionDays);
    if (!Number.isInteger(args.limit) || args.limit < 0 || args.limit > STATS_LIMITS.maxLimit) throw invalid('limit', `limit must be from 0 to ${STATS_LIMITS.maxLimit}`, 'range', { min: 0, max: STATS_LIMITS.maxLimit });
    // The query adds offset and limit as UInt32: past this bound they could not be sent.
    if (!Number.isInteger(args.offset) || args.offset < 0 || args.offset > STATS_LIMITS.maxOffset) throw invalid('offset', `offset must be from 0 to ${STATS_LIMITS.maxOffset}`, 'range', { min: 0, max: STATS_LIMITS.maxOffset });
    const selection = readStatsSelection(info);
    if (selection.dimensions.includes('time')) {
      const buckets = Math.ceil(range.days * BUCKETS_PER_DAY[selection.interval]);
      if (buckets > STATS_LIMITS.maxTimeBuckets) {
        throw apiError('QUERY_TOO_COMPLEX', `time(interval: ${selection.interval}) over ${range.days} days is ${buckets} buckets; at most ${STATS_LIMITS.maxTimeBuckets}: use a longer interval or a shorter range`);
      }
    }
    const query = {
      site: site.id,
      timezone: site.timezone,
      range,
      k: site.kAnonymity,
      ...selection,
      filters: validateFilters(args),
      order: validateOrder(args, selection.dimensions),
      limit: args.limit,
      offset: args.offset,
    };
    const q = compileStats(query);
    const cached = await cache.lookup<StatsValue>(site.id, { sql: q.sql, params: q.params });
    // Noted whatever follows: an answer computed here is stored under this entry (or the operation fails).
    answered?.push({ entry: cached.entry, site: { id: site.id, timezone: site.timezone, kAnonymity: site.kAnonymity, retentionDays: site.retentionDays } });
    if ('hit' in cached) return cached.hit;
    // Without a key (the cache failed) nothing names the query safely: computed alone.
    const compute = async () => {
      const value = await ticket.run(query, q);
      await cache.store(cached.key, value);
      return value;
    };
    if (cached.key === '') return compute();
    const shared = inFlight.once(cached.key, compute);
    // A joiner leaves its operation's batch at once: the batch must not wait for an answer it may be part of.
    if (shared.joined) ticket.leave();
    return shared.answer;
  }
}
