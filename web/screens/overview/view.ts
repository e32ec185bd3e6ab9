// Which view the overview's address opens and the first request of that view. Pure (no DOM, no fetch):
// the page (early.ts, Overview.tsx, useOverviewData.ts) and the server's prefetch at page load
// (src/dashboard/overviewPrefetch.ts) both build the request here, so the two cannot differ.
import { FIRST_TABS } from './panels.ts';
import { overviewQuery, type GraphqlRequest } from './query.ts';
import { effectiveInterval, presetRange, previousRange, todayIn, type DayRange, type Interval } from './range.ts';
import { readState, type Filter, type OverviewState } from './state.ts';

/** A site as the overview's `sites` request answers it. */
export interface SiteInfo {
  id: string;
  name: string;
  timezone: string;
  kAnonymity: number;
  retentionDays: number;
}

export const SITES_QUERY = 'query OverviewSites { sites { id name timezone kAnonymity retentionDays } }';

/** What a view's first request depends on besides site, range and interval. */
interface ViewFilters {
  filters: readonly Filter[];
  compare: boolean;
}

export interface OverviewView {
  state: OverviewState;
  site: SiteInfo | undefined;
  range: DayRange;
  interval: Interval;
}

/** What the address shows of the key's sites today: the screen, the early start and the server's prefetch agree on it. */
export function overviewView(params: URLSearchParams, sites: readonly SiteInfo[] | undefined, now: Date): OverviewView {
  const state = readState(params);
  const site = sites?.find((s) => s.id === state.site) ?? sites?.[0];
  const range = presetRange(state.range, todayIn(site?.timezone ?? 'UTC', now), { from: state.from, to: state.to });
  return { state, site, range, interval: effectiveInterval(range, state.interval) };
}

/** The identity of a view's first request (useOverviewData asks again when it changes). */
export function viewKey(site: string | undefined, range: DayRange, interval: Interval, view: ViewFilters): string {
  return JSON.stringify([site, range, interval, view.filters, view.compare]);
}

/**
 * The first request of a view: cards, both charts, each panel's first tab, realtime. `realtime: false`
 * leaves realtime out and nothing else (the server's prefetch: realtime is not cached, so computing it
 * ahead would only compute it twice).
 */
export function firstRequest(site: string, range: DayRange, interval: Interval, view: ViewFilters, opts: { realtime?: boolean } = {}): GraphqlRequest {
  return overviewQuery(site, range, interval, view.filters, { previous: view.compare ? previousRange(range) : undefined, realtime: opts.realtime ?? true, tabs: FIRST_TABS });
}
