// The overview's GraphQL: one request for all its numbers (each chart, tab and total an alias of
// `stats`, plus realtime), and how its answer reads. Pure.
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
const PREV_ARGS = 'site: $site, from: $prevFrom, to: $prevTo, filter: $filter';
const VARS = '$site: ID!, $from: String!, $to: String!, $filter: [StatsFilter!], $limit: Int!';

function chartField(alias: string, args: string, interval: Interval): string {
  return `${alias}: stats(${args}, limit: 10000) { rows { time(interval: ${interval}) visitors pageviews } totals { ${CARD_METRICS.join(' ')} } suppressedRows }`;
}

function tabField(t: TabDef): string {
  return `${t.id}: stats(${ARGS}, limit: $limit) { rows { ${t.dimension} visitors ${t.second} } suppressedRows }`;
}

/** The given tabs alone (the overview's second request: the tabs no panel opens on). */
export function tabsQuery(site: string, range: DayRange, filters: readonly Filter[], tabs: readonly TabDef[]): GraphqlRequest {
  const variables = { site, from: range.from, to: range.to, filter: filters.length === 0 ? null : apiFilters(filters), limit: PANEL_LIMIT };
  return { query: `query OverviewTabs(${VARS}) { ${tabs.map(tabField).join(' ')} }`, variables };
}

export const REALTIME_FIELD = 'realtime(site: $site) { visitors topPages { page visitors } }';

export interface OverviewQueryOptions {
  /** The comparison period, asked in the same request (aliases `prevChart`); none when not comparing. */
  previous?: DayRange | undefined;
  /** Whether to ask for realtime too (the first load; the 10 s refresh asks on its own). */
  realtime?: boolean;
  tabs?: readonly TabDef[];
}

/**
 * Every number of the overview in one request: the current period's chart with its totals (`chart`),
 * one alias per breakdown tab (the tab's id), the previous period's chart and totals (`prevChart`) and
 * realtime, all over the same filters.
 */
export function overviewQuery(site: string, range: DayRange, interval: Interval, filters: readonly Filter[], opts: OverviewQueryOptions = {}): GraphqlRequest {
  const { previous, realtime = false, tabs = ALL_TABS } = opts;
  const fields = [chartField('chart', ARGS, interval), ...tabs.map(tabField)];
  let vars = VARS;
  const variables: Record<string, unknown> = { site, from: range.from, to: range.to, filter: filters.length === 0 ? null : apiFilters(filters), limit: PANEL_LIMIT };
  if (previous !== undefined) {
    fields.push(chartField('prevChart', PREV_ARGS, interval));
    vars += ', $prevFrom: String!, $prevTo: String!';
    variables.prevFrom = previous.from;
    variables.prevTo = previous.to;
  }
  if (realtime) fields.push(REALTIME_FIELD);
  return { query: `query Overview(${vars}) { ${fields.join(' ')} }`, variables };
}

type RawRow = Record<string, string | number | null>;
export interface RawStats {
  rows: RawRow[];
  totals?: RawRow;
  suppressedRows: number;
}

const num = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: string | number | null | undefined): string | null => (v === null || v === undefined ? null : String(v));

function period(chart: RawStats | undefined): PeriodData {
  const t = chart?.totals ?? {};
  return {
    totals: Object.fromEntries(CARD_METRICS.map((m) => [m, num(t[m])])) as Totals,
    chart: (chart?.rows ?? []).map((r) => ({ time: str(r.time), visitors: num(r.visitors), pageviews: num(r.pageviews) })),
    chartSuppressed: chart?.suppressedRows ?? 0,
  };
}

export interface RealtimeValue {
  visitors: number | null;
  topPages: Array<{ page: string; visitors: number }>;
}

/** The answer by alias: `realtime`, and a Stats value under every other alias. */
export interface RawOverview {
  realtime?: RealtimeValue;
  [alias: string]: RawStats | RealtimeValue | undefined;
}

export interface OverviewNumbers {
  current: CurrentData;
  previous: PeriodData | undefined;
  realtime: RealtimeValue | undefined;
}

/** The answer of overviewQuery, by alias. */
export function readOverview(raw: RawOverview, tabs: readonly TabDef[] = ALL_TABS): OverviewNumbers {
  const { realtime, ...rest } = raw;
  // Every alias but `realtime` is a `stats` field (overviewQuery asks for nothing else).
  const stats = rest as Record<string, RawStats | undefined>;
  return { current: readCurrent(stats, tabs), previous: stats.prevChart === undefined ? undefined : period(stats.prevChart), realtime };
}

function readCurrent(raw: Record<string, RawStats | undefined>, tabs: readonly TabDef[]): CurrentData {
  return { ...period(raw.chart), tabs: readTabs(raw, tabs) };
}

/** The answer of tabsQuery (or the tabs of overviewQuery's), by tab id. */
export function readTabs(raw: Record<string, RawStats | undefined>, tabs: readonly TabDef[]): Record<string, PanelData> {
  const out: Record<string, PanelData> = {};
  for (const t of tabs) {
    const s = raw[t.id];
    out[t.id] = {
      rows: (s?.rows ?? []).map((r) => ({ value: str(r[t.dimension]), visitors: num(r.visitors), second: num(r[t.second]) })),
      suppressedRows: s?.suppressedRows ?? 0,
    };
  }
  return out;
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
