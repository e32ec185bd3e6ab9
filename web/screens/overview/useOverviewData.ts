// Fetches the overview's numbers: the current period in one request and, when comparing, the previous
// period in a second, both at once. A newer view cancels the answer of an older one.
import { useEffect, useState } from 'preact/hooks';
import { graphql, ApiFailure } from '../../api.ts';
import { currentQuery, previousQuery, readCurrent, readPrevious, type CurrentData, type PeriodData } from './query.ts';
import { previousRange, type DayRange, type Interval } from './range.ts';
import type { Filter } from './state.ts';

export interface OverviewData {
  current?: CurrentData;
  previous?: PeriodData;
  error?: ApiFailure;
  loading: boolean;
}

type Raw = Parameters<typeof readCurrent>[0];

export function useOverviewData(site: string | undefined, range: DayRange, interval: Interval, filters: readonly Filter[], compare: boolean): OverviewData {
  const [data, setData] = useState<OverviewData>({ loading: true });
  const key = JSON.stringify([site, range, interval, filters, compare]);
  useEffect(() => {
    if (site === undefined) return;
    let live = true;
    setData((d) => ({ ...d, loading: true, error: undefined }));
    const cur = currentQuery(site, range, interval, filters);
    const prev = compare ? previousQuery(site, previousRange(range), interval, filters) : undefined;
    Promise.all([
      graphql<Raw>('STATISTICS', cur.query, cur.variables),
      prev === undefined ? Promise.resolve(undefined) : graphql<Raw>('STATISTICS', prev.query, prev.variables),
    ]).then(
      ([c, p]) => live && setData({ current: readCurrent(c), previous: p === undefined ? undefined : readPrevious(p), loading: false }),
      (err: unknown) => live && setData({ loading: false, error: err instanceof ApiFailure ? err : new ApiFailure(String(err), 'INTERNAL_SERVER_ERROR', 0) }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return data;
}
