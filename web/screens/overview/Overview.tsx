// Overview (STATISTICS): the site's traffic over a date range, compared with the previous period, with
// breakdowns that filter the whole page when a row is clicked. Its state is the URL's query string.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ApiFailure } from '../../api.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import { navigate } from '../../route.ts';
import { apiErrorText } from '../../ui/apiErrorText.ts';
import { Chips } from '../../ui/Chips.tsx';
import type { ScreenProps } from '../registry.ts';
import { Cards } from './Cards.tsx';
import { Chart } from './Chart.tsx';
import { Controls, type SiteInfo } from './Controls.tsx';
import { overviewView, takeSites } from './early.ts';
import { formatRange, formatValue } from './format.ts';
import { PANELS } from './panels.ts';
import { Panel } from './Panel.tsx';
import { buckets, previousRange } from './range.ts';
import { Realtime } from './Realtime.tsx';
import { withFilter, writeState, type Filter, type OverviewState } from './state.ts';
import { useOverviewData } from './useOverviewData.ts';

export function Overview({ params }: ScreenProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [sites, setSites] = useState<SiteInfo[]>();
  const [sitesError, setSitesError] = useState<ApiFailure>();
  useEffect(() => {
    // The request web/start.ts sent before this screen was loaded, when the address opened it.
    takeSites().then(setSites, setSitesError);
  }, []);

  const { state, site, range, interval } = overviewView(params, sites, new Date());
  const data = useOverviewData(site?.id, range, interval, state.filters, state.compare);
  const currentBuckets = useMemo(() => buckets(range, interval), [range.from, range.to, interval]);
  const previousBuckets = useMemo(() => buckets(previousRange(range), interval), [range.from, range.to, interval]);

  const update = (patch: Partial<OverviewState>) => navigate('overview', writeState({ ...state, site: site?.id, ...patch }), true);
  const addFilter = (f: Filter) => update({ filters: withFilter(state.filters, f) });

  if (sitesError !== undefined) return <p role="alert" class="error">{apiErrorText(i18n, sitesError)}</p>;
  if (sites === undefined) return <p class="loading">{t('app.loading')}</p>;
  if (site === undefined) return <p>{t('overview.noSites')}</p>;

  const { current, previous, error } = data;
  // An error about the range is shown at the range; any other above the numbers.
  const rangeError = error?.field === 'from' || error?.field === 'to' ? apiErrorText(i18n, error, { labels: { from: t('overview.from'), to: t('overview.to') } }) : undefined;
  const prev = previousRange(range);
  // data-ready: this view's one request has answered and its numbers (or its error) are rendered; tests
  // and bench:dashboard wait for it. It goes while a new view loads.
  const ready = !data.loading && (current !== undefined || error !== undefined);
  return (
    <section class="overview" aria-labelledby="overview-title" aria-busy={data.loading} data-ready={ready ? 'true' : undefined}>
      <h1 id="overview-title">{t('overview.title')}</h1>
      <Controls
        sites={sites}
        site={site}
        preset={state.range}
        range={range}
        compare={state.compare}
        interval={interval}
        rangeError={rangeError}
        onChange={(p) => update({ ...p, range: p.range ?? state.range, ...(p.site !== undefined && p.site !== site.id ? { filters: [] } : {}) })}
      />
      <p class="ov-period">
        {formatRange(i18n, range.from, range.to)}
        {state.compare ? <span class="hint"> · {t('overview.comparedWith', { range: formatRange(i18n, prev.from, prev.to) })}</span> : null}
        <span class="hint"> · {t('overview.timezone', { tz: site.timezone })}</span>
      </p>
      <Chips
        label={t('overview.filters')}
        chips={state.filters.map((f) => {
          const label = `${t(`overview.dim.${f.dimension}` as MessageKey)}: ${formatValue(i18n, f.dimension, f.value)}`;
          return { id: f.dimension, label, removeLabel: t('overview.filter.remove', { filter: label }) };
        })}
        onRemove={(id) => update({ filters: state.filters.filter((f) => f.dimension !== id) })}
        clearLabel={t('overview.filter.clear')}
        onClear={() => update({ filters: [] })}
      />
      {error === undefined || rangeError !== undefined ? null : (
        <p role="alert" class="error">
          {error.rule !== undefined ? apiErrorText(i18n, error) : t('error.generic', { message: error.field === undefined ? error.message : `${error.field}: ${error.message}` })}
        </p>
      )}
      {current === undefined ? (
        error === undefined ? <p class="loading">{t('app.loading')}</p> : null
      ) : (
        <>
          <Cards totals={current.totals} previous={state.compare ? previous?.totals : undefined} k={site.kAnonymity} />
          <Chart buckets={currentBuckets} current={current} previous={state.compare ? previous : undefined} previousBuckets={previousBuckets} />
        </>
      )}
      <Realtime key={site.id} site={site.id} k={site.kAnonymity} initial={data.loading ? undefined : data.realtime} />
      <div class="ov-panels">
        {PANELS.map((p) => (
          <Panel key={p.id} panel={p} data={current?.tabs} totalVisitors={current?.totals.visitors ?? null} onFilter={addFilter} loading={data.loading || data.otherTabsLoading} fileStem={`${site.id}-${range.from}-${range.to}`} />
        ))}
      </div>
    </section>
  );
}
