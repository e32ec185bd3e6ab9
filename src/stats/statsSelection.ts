// What a `stats` call asks for, read from its GraphQL selection: the dimensions selected under
// `rows` become the grouping, the metrics selected under `rows` or `totals` are computed. Aliases,
// fragments and @skip/@include are honoured.
import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  valueFromAST,
  type FieldNode,
  type GraphQLInputType,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';
import { invalid } from '../errors/apiError.ts';
import { DIMENSIONS, INTERVALS, METRICS, type Dimension, type Interval, type Metric } from './statsCatalog.ts';

export interface StatsSelection {
  readonly dimensions: Dimension[];
  readonly interval: Interval;
  readonly metrics: Metric[];
  /** Whether `totals` is selected: without it, a query with dimensions computes no totals row. */
  readonly totals: boolean;
}

const DIMENSION_SET: ReadonlySet<string> = new Set(DIMENSIONS);
const METRIC_SET: ReadonlySet<string> = new Set(METRICS);

/** The fields of a selection set, fragments flattened, skipped ones left out. */
function fieldsOf(set: SelectionSetNode | undefined, info: GraphQLResolveInfo, out: FieldNode[] = []): FieldNode[] {
  for (const sel of set?.selections ?? []) {
    if (getDirectiveValues(GraphQLSkipDirective, sel, info.variableValues)?.if === true) continue;
    if (getDirectiveValues(GraphQLIncludeDirective, sel, info.variableValues)?.if === false) continue;
    if (sel.kind === Kind.FIELD) out.push(sel);
    else if (sel.kind === Kind.INLINE_FRAGMENT) fieldsOf(sel.selectionSet, info, out);
    else fieldsOf(info.fragments[sel.name.value]?.selectionSet, info, out);
  }
  return out;
}

/** The selection, or an InputError on `rows` for one no query can answer. */
export function readStatsSelection(info: GraphQLResolveInfo): StatsSelection {
  const top = info.fieldNodes.flatMap((n) => fieldsOf(n.selectionSet, info));
  const dimensions: Dimension[] = [];
  const metrics = new Set<Metric>();
  const intervals = new Set<Interval>();
  const intervalType = info.schema.getType('Interval') as GraphQLInputType;
  let totals = false;
  for (const part of top) {
    const name = part.name.value;
    if (name !== 'rows' && name !== 'totals') continue;
    if (name === 'totals') totals = true;
    for (const f of fieldsOf(part.selectionSet, info)) {
      const field = f.name.value;
      if (METRIC_SET.has(field)) metrics.add(field as Metric);
      if (name !== 'rows' || !DIMENSION_SET.has(field)) continue;
      if (field === 'time') {
        const arg = f.arguments?.find((a) => a.name.value === 'interval');
        const value = arg === undefined ? 'DAY' : valueFromAST(arg.value, intervalType, info.variableValues);
        if (typeof value !== 'string' || !(INTERVALS as readonly string[]).includes(value)) throw invalid('rows', 'time(interval) must be HOUR, DAY, WEEK or MONTH', 'oneOf', { allowed: INTERVALS });
        intervals.add(value as Interval);
      }
      if (!dimensions.includes(field as Dimension)) dimensions.push(field as Dimension);
    }
  }
  if (intervals.size > 1) throw invalid('rows', `time is selected with two intervals (${[...intervals].join(', ')}); select one`, 'exclusive', { allowed: [...intervals] });
  return { dimensions, interval: [...intervals][0] ?? 'DAY', metrics: [...metrics], totals };
}
