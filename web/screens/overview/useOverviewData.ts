// Fetches the overview's numbers in one request (query.ts). A newer view cancels the answer of an older
// one; while a new view loads, the old numbers stay on screen (aria-busy says so).
import { useEffect, useState } from 'preact/hooks';
import { graphql, ApiFailure } from '../../api.ts';
import { overviewQuery, readOverview, type CurrentData, type PeriodData, type RawOverview, type RealtimeValue } from './query.ts';
import { previousRange, type DayRange, type Interval } from './range.ts';
import type { Filter } from './state.ts';

export interface OverviewData {
  current?: CurrentData;
  previous?: PeriodData;
  realtime?: RealtimeValue;
  error?: ApiFailure;
  loading: boolean;
}

export function useOverviewData(site: string | undefined, range: DayRange, interval: Interval, filters: readonly Filter[], compare: boolean): OverviewData {
  const [data, setData] = useState<OverviewData>({ loading: true });
  const key = JSON.stringify([site, range, interval, filters, compare]);
  useEffect(() => {
    if (site === undefined) return;
    let live = true;
    setData((d) => ({ ...d, loading: true, error: undefined }));
    const q = overviewQuery(site, range, interval, filters, { previous: compare ? previousRange(range) : undefined, realtime: true });
    graphql<RawOverview>('STATISTICS', q.query, q.variables).then(
      (raw) => live && setData({ ...readOverview(raw), loading: false }),
      (err: unknown) => live && setData({ loading: false, error: err instanceof ApiFailure ? err : new ApiFailure(String(err), 'INTERNAL_SERVER_ERROR', 0) }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return data;
}
