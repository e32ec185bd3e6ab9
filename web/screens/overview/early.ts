// The overview's first two requests (the key's sites, then every number on screen), sent as soon as the
// session is known when the address opens the overview (web/start.ts, run by the small boot script
// before the app's own code has loaded), not after the app has rendered, loaded this screen and mounted
// it: the screen then takes the answers under way instead of asking again.
// NOTE: in the boot script's chunk: nothing here (nor in what it imports) may import Preact or the
// page's messages, or the page's first requests would wait for them.
// A view the screen computes differently (another day began, the address changed) asks on its own.
import { graphql } from '../../api.ts';
import { loadChartLibrary } from './chartLibrary.ts';
import type { RawOverview } from './query.ts';
import { firstRequest, overviewView, SITES_QUERY, viewKey, type SiteInfo } from './view.ts';

// The view and its first request are pure code of their own (view.ts), which the server's prefetch at
// page load runs too; re-exported for the screen.
export { firstRequest, overviewView, SITES_QUERY, viewKey, type OverviewView } from './view.ts';

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
