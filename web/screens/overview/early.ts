// The overview's first two requests (the key's sites, then every number on screen), sent as soon as the
// session is known when the address opens the overview (web/start.ts, run by the small boot script
// before the app's own code has loaded), not after the app has rendered, loaded this screen and mounted
// it: the screen then takes the answers under way instead of asking again.
// NOTE: in the boot script's chunk: nothing here (nor in what it imports) may import Preact or the
// page's messages, or the page's first requests would wait for them.
// A view the screen computes differently (another day began, the address changed) asks on its own.
import { graphql } from '../../api.ts';
import { loadChartLibrary } from './chartLibrary.ts';
import type { SiteInfo } from './Controls.tsx';
import { FIRST_TABS } from './panels.ts';
import { overviewQuery, type RawOverview } from './query.ts';
import { effectiveInterval, presetRange, previousRange, todayIn, type DayRange, type Interval } from './range.ts';
import { readState, type Filter, type OverviewState } from './state.ts';

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

/** What the address shows of the key's sites today: the one screen and the early start agree on it. */
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

/** The first request of a view: cards, both charts, each panel's first tab, realtime. */
export function firstRequest(site: string, range: DayRange, interval: Interval, view: ViewFilters) {
  return overviewQuery(site, range, interval, view.filters, { previous: view.compare ? previousRange(range) : undefined, realtime: true, tabs: FIRST_TABS });
}

/** A request sent early, and when. */
interface Early<T> {
  sentAt: number;
  answer: Promise<T>;
}
let earlySites: Early<SiteInfo[]> | undefined;
let earlyOverview: (Early<RawOverview> & { key: string }) | undefined;
/** The screen takes each within a second of its sending; one it did not take by then is not handed out later. */
const FRESH_MS = 10_000;
const fresh = <E extends Early<unknown>>(e: E | undefined): e is E => e !== undefined && performance.now() - e.sentAt < FRESH_MS;

/** Sends the sites request, and the view's first request once the sites are known; settles when both are sent (or will not be). */
export function startOverview(params: URLSearchParams): Promise<void> {
  const sites = graphql<{ sites: SiteInfo[] }>('STATISTICS', SITES_QUERY).then((d) => d.sites);
  earlySites = { sentAt: performance.now(), answer: sites };
  return sites.then(
    (list) => {
      const v = overviewView(params, list, new Date());
      if (v.site === undefined) return;
      const q = firstRequest(v.site.id, v.range, v.interval, v.state);
      const answer = graphql<RawOverview>('STATISTICS', q.query, q.variables);
      answer.catch(() => undefined); // its taker sees the failure; unclaimed, it is dropped
      earlyOverview = { key: viewKey(v.site.id, v.range, v.interval, v.state), sentAt: performance.now(), answer };
      // The chart's library runs while the server counts, not after its answer.
      loadChartLibrary().catch(() => undefined);
    },
    () => undefined,
  );
}

/** The sites request under way since the start, once; later calls ask anew. */
export function takeSites(): Promise<SiteInfo[]> {
  const early = earlySites;
  earlySites = undefined;
  return fresh(early) ? early.answer : graphql<{ sites: SiteInfo[] }>('STATISTICS', SITES_QUERY).then((d) => d.sites);
}

/** The first request already sent for the view `key`, once; undefined when none was (or another view's). */
export function takeOverview(key: string): Promise<RawOverview> | undefined {
  const early = earlyOverview;
  earlyOverview = undefined;
  return early?.key === key && fresh(early) ? early.answer : undefined;
}
