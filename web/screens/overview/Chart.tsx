// The main chart: visitors and pageviews per bucket, the previous period dashed behind them. uPlot is
// a chunk of its own, not in the initial JavaScript (the overview's page preloads it, and early.ts runs
// it while the numbers are asked). The same numbers are in a table under it, for screen readers and for
// anyone who wants the figures.
import { useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import { useI18n } from '../../i18n.ts';
import { loadChartLibrary, loadedChartLibrary } from './chartLibrary.ts';
import { formatBucket } from './format.ts';
import type { ChartRow, PeriodData } from './query.ts';

interface Props {
  buckets: readonly string[];
  current: PeriodData;
  previous: PeriodData | undefined;
  /** Bucket starts of the previous period, aligned with `buckets` by position. */
  previousBuckets: readonly string[];
}

/**
 * The rows' values in bucket order. A bucket without a row had no visits, unless the API left buckets
 * out below k (`suppressed` > 0): then a missing bucket may be either, and is drawn as a gap (null).
 */
export function align(buckets: readonly string[], rows: readonly ChartRow[], metric: 'visitors' | 'pageviews', suppressed: number): (number | null)[] {
  const by = new Map(rows.map((r) => [r.time, r[metric]]));
  return buckets.map((b) => by.get(b) ?? (suppressed > 0 ? null : 0));
}


export function Chart({ buckets, current, previous, previousBuckets }: Props) {
  const i18n = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const series = useMemo(() => {
    const s = [align(buckets, current.chart, 'visitors', current.chartSuppressed), align(buckets, current.chart, 'pageviews', current.chartSuppressed)];
    if (previous !== undefined) {
      s.push(align(previousBuckets, previous.chart, 'visitors', previous.chartSuppressed), align(previousBuckets, previous.chart, 'pageviews', previous.chartSuppressed));
    }
    return s;
  }, [buckets, current, previous, previousBuckets]);
  const labels = useMemo(() => buckets.map((b) => formatBucket(i18n, b)), [buckets, i18n]);
  const axisLabels = useMemo(() => buckets.map((b) => formatBucket(i18n, b, true)), [buckets, i18n]);

  // NOTE: a layout effect, and uPlot at once when it is loaded already: the chart is drawn in the same
  // frame as the numbers, not one frame (or a module's evaluation) after them.
  useLayoutEffect(() => {
    const el = box.current;
    if (el === null) return;
    let plot: uPlot | undefined;
    let observer: ResizeObserver | undefined;
    let live = true;
    const draw = (UPlot: typeof uPlot) => {
      if (!live) return;
      const line = (label: string, stroke: string, dash?: number[]): uPlot.Series => ({ label, stroke, width: 2, dash, spanGaps: false, points: { show: buckets.length < 60 } });
      const opts: uPlot.Options = {
        width: Math.max(el.clientWidth, 280),
        height: 260,
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] } },
        legend: { live: false },
        axes: [
          { values: (_u, splits) => splits.map((i) => axisLabels[i] ?? ''), space: 70 },
          // Counts are whole: ticks at whole steps only.
          { values: (_u, splits) => splits.map((v) => i18n.number(v)), incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6, 1e7] },
        ],
        series: [
          { label: i18n.t('overview.chart.bucket'), value: (_u, i) => (i === null ? '' : (labels[i] ?? '')) },
          line(i18n.t('overview.card.visitors'), '#0b5cad'),
          line(i18n.t('overview.card.pageviews'), '#2e9d5b'),
          ...(series.length > 2 ? [line(i18n.t('overview.chart.prevVisitors'), '#0b5cad', [6, 4]), line(i18n.t('overview.chart.prevPageviews'), '#2e9d5b', [6, 4])] : []),
        ],
      };
      plot = new UPlot(opts, [buckets.map((_, i) => i), ...series] as uPlot.AlignedData, el);
      observer = new ResizeObserver(() => plot?.setSize({ width: Math.max(el.clientWidth, 280), height: 260 }));
      observer.observe(el);
    };
    const loadedUPlot = loadedChartLibrary();
    if (loadedUPlot !== undefined) draw(loadedUPlot);
    else void loadChartLibrary().then(draw);
    return () => {
      live = false;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [series, labels, axisLabels]);

  return (
    <figure class="ov-chart">
      <figcaption>{i18n.t('overview.chart.title')}</figcaption>
      <div ref={box} class="ov-chart-box" aria-hidden="true" />
      {current.chartSuppressed > 0 ? <p class="ov-suppressed">{i18n.t('overview.chart.suppressed', { n: current.chartSuppressed })}</p> : null}
      <details>
        <summary>{i18n.t('overview.chart.table')}</summary>
        <div class="table-scroll">
          <table class="ov-chart-table">
            <thead>
              <tr>
                <th scope="col">{i18n.t('overview.chart.bucket')}</th>
                <th scope="col">{i18n.t('overview.card.visitors')}</th>
                <th scope="col">{i18n.t('overview.card.pageviews')}</th>
                {series.length > 2 ? <th scope="col">{i18n.t('overview.chart.prevVisitors')}</th> : null}
                {series.length > 2 ? <th scope="col">{i18n.t('overview.chart.prevPageviews')}</th> : null}
              </tr>
            </thead>
            <tbody>
              {buckets.map((b, i) => (
                <tr key={b} data-bucket={b}>
                  <th scope="row">{labels[i]}</th>
                  {series.map((s, j) => (
                    <td key={j}>{s[i] === null || s[i] === undefined ? '—' : i18n.number(s[i])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
