// Fetches the overview's numbers: one request for everything on screen (the cards, both periods' charts,
// the tab each panel opens on, realtime), then, once it has answered, one for the panels' other tabs, so
// that switching tabs needs no wait (query.ts). The first costs about half of asking every tab at once
// (each tab is a breakdown of its own: docs/visits.md). A newer view cancels the answers of an older one;
// while a new view loads, the old numbers stay on screen (aria-busy says so).
import { useEffect, useState } from 'preact/hooks';
import { graphql, ApiFailure } from '../../api.ts';
import { firstRequest, takeOverview, viewKey } from './early.ts';
import { FIRST_TABS, OTHER_TABS } from './panels.ts';
import { readOverview, readTabs, tabsQuery, type CurrentData, type PeriodData, type RawOverview, type RawStats, type RealtimeValue } from './query.ts';
import type { DayRange, Interval } from './range.ts';
import type { Filter } from './state.ts';

export interface OverviewData {
  current?: CurrentData;
  previous?: PeriodData;
  realtime?: RealtimeValue;
  error?: ApiFailure;
  /** The first request (everything on screen) is under way. */
  loading: boolean;
  /** The second (the other tabs) is under way or not yet sent. */
  otherTabsLoading: boolean;
}

/**
 * Runs `fn` once the next frame is painted (a task queued from its animation callback), or after 200 ms
 * when no frame comes (a tab in the background paints none).
 */
function afterPaint(fn: () => void): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    fn();
  };
  requestAnimationFrame(() => setTimeout(run, 0));
  setTimeout(run, 200);
}

const failure = (err: unknown) => (err instanceof ApiFailure ? err : new ApiFailure(String(err), 'INTERNAL_SERVER_ERROR', 0));

export function useOverviewData(site: string | undefined, range: DayRange, interval: Interval, filters: readonly Filter[], compare: boolean): OverviewData {
  const [data, setData] = useState<OverviewData>({ loading: true, otherTabsLoading: true });
  const key = viewKey(site, range, interval, { filters, compare });
  useEffect(() => {
    if (site === undefined) return;
    let live = true;
    setData((d) => ({ ...d, loading: true, otherTabsLoading: true, error: undefined }));
    // Sent already when the address opened this view (early.ts), else now.
    const q = firstRequest(site, range, interval, { filters, compare });
    const first = takeOverview(key) ?? graphql<RawOverview>('STATISTICS', q.query, q.variables);
    first.then(
      (raw) => {
        if (!live) return;
        setData({ ...readOverview(raw, FIRST_TABS), loading: false, otherTabsLoading: true });
        // Asked once the numbers are painted: neither the request nor its answer delays that frame.
        afterPaint(() => {
          if (!live) return;
          const rest = tabsQuery(site, range, filters, OTHER_TABS);
          graphql<Record<string, RawStats>>('STATISTICS', rest.query, rest.variables).then(
            (more) => live && setData((d) => (d.current === undefined ? d : { ...d, current: { ...d.current, tabs: { ...d.current.tabs, ...readTabs(more, OTHER_TABS) } }, otherTabsLoading: false })),
            // The numbers on screen stay; the error says why the other tabs have none.
            (err: unknown) => live && setData((d) => ({ ...d, otherTabsLoading: false, error: failure(err) })),
          );
        });
      },
      (err: unknown) => live && setData({ loading: false, otherTabsLoading: false, error: failure(err) }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return data;
}
