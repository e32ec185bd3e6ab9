// The overview's state, read from and written to the URL's query string (site, range, comparison,
// interval, filters), so a bookmarked or sent link reopens the same view. Pure.
import { DIMENSION_ENUM, isDimensionField, type DimensionField } from './panels.ts';
import { PRESETS, type Preset } from './range.ts';

export interface Filter {
  dimension: DimensionField;
  value: string;
}

export interface OverviewState {
  site: string | undefined;
  range: Preset;
  /** Custom range bounds, kept as given (range.ts checks them). */
  from: string | undefined;
  to: string | undefined;
  compare: boolean;
  interval: string | undefined;
  filters: Filter[];
}

/** A filter in the URL: `f=page:/pricing` (the dimension, a colon, the value as is). */
export function parseFilter(v: string): Filter | undefined {
  const i = v.indexOf(':');
  const dimension = v.slice(0, i);
  return i > 0 && isDimensionField(dimension) ? { dimension, value: v.slice(i + 1) } : undefined;
}

export function readState(params: URLSearchParams): OverviewState {
  const range = params.get('range');
  const filters: Filter[] = [];
  for (const f of params.getAll('f')) {
    const parsed = parseFilter(f);
    if (parsed !== undefined && !filters.some((x) => x.dimension === parsed.dimension)) filters.push(parsed);
  }
  return {
    site: params.get('site') ?? undefined,
    range: PRESETS.includes(range as Preset) ? (range as Preset) : '30d',
    from: params.get('from') ?? undefined,
    to: params.get('to') ?? undefined,
    compare: params.get('compare') !== '0',
    interval: params.get('interval') ?? undefined,
    filters,
  };
}

/** The query string for a state; defaults (30 days, comparison on) are left out to keep links short. */
export function writeState(s: OverviewState): URLSearchParams {
  const p = new URLSearchParams();
  if (s.site !== undefined) p.set('site', s.site);
  if (s.range !== '30d') p.set('range', s.range);
  if (s.range === 'custom') {
    if (s.from !== undefined) p.set('from', s.from);
    if (s.to !== undefined) p.set('to', s.to);
  }
  if (!s.compare) p.set('compare', '0');
  if (s.interval !== undefined) p.set('interval', s.interval);
  for (const f of s.filters) p.append('f', `${f.dimension}:${f.value}`);
  return p;
}

/** Adds a filter; one per dimension, so a second click on the same dimension replaces the first. */
export function withFilter(filters: readonly Filter[], f: Filter): Filter[] {
  return [...filters.filter((x) => x.dimension !== f.dimension), f];
}

/** The API's `filter` argument: every chip must hold (EQ, combined with AND). */
export function apiFilters(filters: readonly Filter[]): Array<{ dimension: string; op: 'EQ'; values: string[] }> {
  return filters.map((f) => ({ dimension: DIMENSION_ENUM[f.dimension], op: 'EQ', values: [f.value] }));
}
