import type { EventStore } from '../store/eventStore.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import { apiError, badInput } from '../graphql/errors.ts';
import { compileTotals } from './statsQuery.ts';
import { parseStatsRange, StatsRangeError } from './statsRange.ts';

export interface StatsRowValue {
  pageviews: number | null;
  visitors: number | null;
}

export interface StatsValue {
  totals: StatsRowValue;
  suppressedRows: number;
}

/** Limits on every statistics query, so no request can hold the engine. */
export const STATS_QUERY_SETTINGS = { max_execution_time: 30, max_result_rows: '100000', result_overflow_mode: 'throw' } as const;

export function createStatsResolvers(store: EventStore, sites: SiteStore) {
  return {
    Query: {
      async stats(_: unknown, args: { site: string; from: string; to: string }): Promise<StatsValue> {
        const site = await sites.get(args.site);
        if (site === undefined) throw apiError('NOT_FOUND', `site "${args.site}" does not exist`);
        let range;
        try {
          range = parseStatsRange(args.from, args.to, site.retentionDays);
        } catch (err) {
          if (!(err instanceof StatsRangeError)) throw err;
          throw err.tooLarge ? apiError('RANGE_TOO_LARGE', err.message, { field: err.field }) : badInput(err.field, err.message);
        }
        const q = compileTotals(site.id, site.timezone, range);
        const [row] = await store.query<{ pageviews: string; visitors: string }>(q.sql, q.params, STATS_QUERY_SETTINGS);
        const visitors = Number(row?.visitors ?? 0);
        const pageviews = Number(row?.pageviews ?? 0);
        // k-anonymity: a total over fewer visitors than k would describe a handful of people.
        if (visitors > 0 && visitors < site.kAnonymity) return { totals: { pageviews: null, visitors: null }, suppressedRows: 1 };
        return { totals: { pageviews, visitors }, suppressedRows: 0 };
      },
    },
  };
}
