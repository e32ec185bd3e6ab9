// The overview's GraphQL: one request for the current period (cards' totals with the chart, and every
// breakdown tab, each an alias of `stats`) and one for the previous period (totals and chart). Pure.
import { ALL_TABS, PANEL_LIMIT, type TabDef } from './panels.ts';
import type { DayRange, Interval } from './range.ts';
import { apiFilters, type Filter } from './state.ts';

export const CARD_METRICS = ['visitors', 'visits', 'pageviews', 'viewsPerVisit', 'bounceRate', 'visitDuration'] as const;
export type CardMetric = (typeof CARD_METRICS)[number];

export type Totals = Record<CardMetric, number | null>;

export interface ChartRow {
  time: string | null;
  visitors: number | null;
  pageviews: number | null;
}

export interface PanelRow {
  value: string | null;
  visitors: number | null;
  second: number | null;
}

export interface PanelData {
  rows: PanelRow[];
  suppressedRows: number;
}

export interface PeriodData {
  totals: Totals;
  chart: ChartRow[];
  chartSuppressed: number;
}

export interface CurrentData extends PeriodData {
  tabs: Record<string, PanelData>;
}

export interface GraphqlRequest {
  query: string;
  variables: Record<string, unknown>;
}

const ARGS = 'site: $site, from: $from, to: $to, filter: $filter';
const VARS = '$site: ID!, $from: String!, $to: String!, $filter: [StatsFilter!]';

function chartField(interval: Interval): string {
  return `chart: stats(${ARGS}, limit: 10000) { rows { time(interval: ${interval}) visitors pageviews } totals { ${CARD_METRICS.join(' ')} } suppressedRows }`;
}

function tabField(t: TabDef): string {
  return `${t.id}: stats(${ARGS}, limit: $limit) { rows { ${t.dimension} visitors ${t.second} } suppressedRows }`;
}

function variables(site: string, range: DayRange, filters: readonly Filter[]): Record<string, unknown> {
  return { site, from: range.from, to: range.to, filter: filters.length === 0 ? null : apiFilters(filters) };
}

/** The current period: totals and chart (`chart`), and one alias per breakdown tab (the tab's id). */
export function currentQuery(site: string, range: DayRange, interval: Interval, filters: readonly Filter[], tabs: readonly TabDef[] = ALL_TABS): GraphqlRequest {
  const query = `query OverviewCurrent(${VARS}, $limit: Int!) { ${chartField(interval)} ${tabs.map(tabField).join(' ')} }`;
  return { query, variables: { ...variables(site, range, filters), limit: PANEL_LIMIT } };
}

/** The comparison period: its totals and chart only. */
export function previousQuery(site: string, range: DayRange, interval: Interval, filters: readonly Filter[]): GraphqlRequest {
  return { query: `query OverviewPrevious(${VARS}) { ${chartField(interval)} }`, variables: variables(site, range, filters) };
}

type RawRow = Record<string, string | number | null>;
interface RawStats {
  rows: RawRow[];
  totals?: RawRow;
  suppressedRows: number;
}

const num = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: string | number | null | undefined): string | null => (v === null || v === undefined ? null : String(v));

function period(raw: Record<string, RawStats | undefined>): PeriodData {
  const chart = raw.chart;
  const t = chart?.totals ?? {};
  return {
    totals: Object.fromEntries(CARD_METRICS.map((m) => [m, num(t[m])])) as Totals,
    chart: (chart?.rows ?? []).map((r) => ({ time: str(r.time), visitors: num(r.visitors), pageviews: num(r.pageviews) })),
    chartSuppressed: chart?.suppressedRows ?? 0,
  };
}

export function readPrevious(raw: Record<string, RawStats | undefined>): PeriodData {
  return period(raw);
}

export function readCurrent(raw: Record<string, RawStats | undefined>, tabs: readonly TabDef[] = ALL_TABS): CurrentData {
  const out: Record<string, PanelData> = {};
  for (const t of tabs) {
    const s = raw[t.id];
    out[t.id] = {
      rows: (s?.rows ?? []).map((r) => ({ value: str(r[t.dimension]), visitors: num(r.visitors), second: num(r[t.second]) })),
      suppressedRows: s?.suppressedRows ?? 0,
    };
  }
  return { ...period(raw), tabs: out };
}

/** Relative change in percent, or null when it has no meaning (no base, or a value hidden under k). */
export function change(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return ((current - previous) / previous) * 100;
}

/** A row's share of the period's visitors, 0–1; null when the total is hidden under k. */
export function share(visitors: number | null, total: number | null): number | null {
  return visitors === null || total === null || total === 0 ? null : visitors / total;
}
