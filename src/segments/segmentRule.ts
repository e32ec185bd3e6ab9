// The segment rule language (issue 5): a tree of all/any/not over leaves. Parsing is pure and names the
// node at fault, so a GraphQL BAD_USER_INPUT and the CLI can point at it (`rule.all[1].visited.path`).
import { clip, echo, invalid, type ErrorParams, type ErrorRule, type InputError } from '../errors/apiError.ts';

/** Segment dimensions → the events column each reads. Only these may appear in an `attribute` leaf. */
export const SEGMENT_DIMENSIONS = {
  DEVICE: 'device',
  BROWSER: 'browser',
  OS: 'os',
  COUNTRY: 'country',
  REGION: 'region',
  REFERRER_SOURCE: 'referrer_source',
  UTM_SOURCE: 'utm_source',
  UTM_MEDIUM: 'utm_medium',
  UTM_CAMPAIGN: 'utm_campaign',
  LANGUAGE: 'language',
} as const;
export type SegmentDimension = keyof typeof SEGMENT_DIMENSIONS;

export type PathMatch = { equals: string } | { prefix: string } | { contains: string };

export type SegmentRule =
  | { all: SegmentRule[] }
  | { any: SegmentRule[] }
  | { not: SegmentRule }
  | { visited: { path: PathMatch; atLeast: number; withinDays: number } }
  | { event: { name: string; atLeast: number; withinDays: number } }
  | { visits: { atLeast: number; withinDays: number } }
  | { lastSeen: { withinDays: number } }
  | { attribute: { dimension: SegmentDimension; in: string[]; withinDays: number } };

export interface RuleLimits {
  /** The longest window a leaf may look back: the site's retention (older hits are gone). */
  maxWindowDays: number;
  /** Deepest nesting of all/any/not. Default 8. */
  maxDepth?: number;
  /** Most leaves in one rule. Default 50. */
  maxLeaves?: number;
}

/** An InputError whose field is the node at fault and whose message starts with it. */
function ruleError(path: string, message: string, rule: ErrorRule, params?: ErrorParams): InputError {
  return invalid(path, `${path}: ${message}`, rule, params);
}

const NODE_KINDS = ['all', 'any', 'not', 'visited', 'event', 'visits', 'lastSeen', 'attribute'] as const;
const DEFAULT_WINDOW_DAYS = 30;
const MAX_VALUE_LENGTH = 512;
const MAX_IN_VALUES = 100;

/** Validates an untrusted rule (GraphQL input or CLI JSON) into a SegmentRule with defaults filled in. */
export function parseSegmentRule(input: unknown, limits: RuleLimits, path = 'rule'): SegmentRule {
  const state = { leaves: 0, maxDepth: limits.maxDepth ?? 8, maxLeaves: limits.maxLeaves ?? 50, maxWindowDays: limits.maxWindowDays };
  return node(input, path, 1, state);
}

interface State {
  leaves: number;
  readonly maxDepth: number;
  readonly maxLeaves: number;
  readonly maxWindowDays: number;
}

function node(input: unknown, path: string, depth: number, s: State): SegmentRule {
  const o = object(input, path, NODE_KINDS);
  // GraphQL input objects carry absent fields as undefined/null; only present ones count.
  const kinds = Object.keys(o).filter((k) => o[k] !== undefined && o[k] !== null);
  const unknown = kinds.find((k) => !(NODE_KINDS as readonly string[]).includes(k));
  if (unknown !== undefined) throw ruleError(path, `${echo(unknown)} is not a rule node; use one of ${NODE_KINDS.join(', ')}`, 'unknown', { name: clip(unknown), allowed: NODE_KINDS });
  if (kinds.length !== 1) {
    const message = kinds.length === 0 ? `a node needs one of ${NODE_KINDS.join(', ')}` : `a node holds exactly one of ${NODE_KINDS.join(', ')}; found ${kinds.join(' and ')}`;
    throw ruleError(path, message, 'exclusive', { allowed: NODE_KINDS });
  }
  if (depth > s.maxDepth) throw ruleError(path, `rules nest at most ${s.maxDepth} levels`, 'depth', { max: s.maxDepth });
  const kind = kinds[0] as (typeof NODE_KINDS)[number];
  const at = `${path}.${kind}`;
  const v = o[kind];
  switch (kind) {
    case 'all':
    case 'any': {
      if (!Array.isArray(v) || v.length === 0) throw ruleError(at, `must be a non-empty list of rules`, 'items', { min: 1 });
      const children = v.map((c, i) => node(c, `${at}[${i}]`, depth + 1, s));
      return kind === 'all' ? { all: children } : { any: children };
    }
    case 'not':
      return { not: node(v, at, depth + 1, s) };
    default:
      if (++s.leaves > s.maxLeaves) throw ruleError(at, `a rule holds at most ${s.maxLeaves} leaves`, 'items', { max: s.maxLeaves });
      return leaf(kind, v, at, s);
  }
}

function leaf(kind: 'visited' | 'event' | 'visits' | 'lastSeen' | 'attribute', v: unknown, at: string, s: State): SegmentRule {
  switch (kind) {
    case 'visited': {
      const o = fields(v, at, ['path', 'atLeast', 'withinDays']);
      return { visited: { path: pathMatch(o.path, `${at}.path`), atLeast: count(o.atLeast, `${at}.atLeast`, 1), withinDays: days(o.withinDays, `${at}.withinDays`, s) } };
    }
    case 'event': {
      const o = fields(v, at, ['name', 'atLeast', 'withinDays']);
      return { event: { name: text(o.name, `${at}.name`), atLeast: count(o.atLeast, `${at}.atLeast`, 1), withinDays: days(o.withinDays, `${at}.withinDays`, s) } };
    }
    case 'visits': {
      const o = fields(v, at, ['atLeast', 'withinDays']);
      if (o.atLeast === undefined || o.atLeast === null) throw ruleError(`${at}.atLeast`, 'is required: an integer of at least 1', 'required');
      return { visits: { atLeast: count(o.atLeast, `${at}.atLeast`, 1), withinDays: days(o.withinDays, `${at}.withinDays`, s) } };
    }
    case 'lastSeen': {
      const o = fields(v, at, ['withinDays']);
      if (o.withinDays === undefined || o.withinDays === null) throw ruleError(`${at}.withinDays`, 'is required: a number of days', 'required');
      return { lastSeen: { withinDays: days(o.withinDays, `${at}.withinDays`, s) } };
    }
    case 'attribute': {
      const o = fields(v, at, ['dimension', 'in', 'withinDays']);
      const dims = Object.keys(SEGMENT_DIMENSIONS);
      const dimension = typeof o.dimension === 'string' ? o.dimension.toUpperCase() : undefined;
      if (dimension === undefined || !dims.includes(dimension)) {
        const got: ErrorParams = typeof o.dimension === 'string' ? { got: clip(o.dimension) } : {};
        throw ruleError(`${at}.dimension`, `${typeof o.dimension === 'string' ? `${echo(o.dimension)} is not a segment dimension` : 'is required'}; use one of ${dims.join(', ')}`, 'oneOf', { allowed: dims, ...got });
      }
      if (!Array.isArray(o.in) || o.in.length === 0 || o.in.length > MAX_IN_VALUES) throw ruleError(`${at}.in`, `must be a list of 1 to ${MAX_IN_VALUES} values`, 'items', { min: 1, max: MAX_IN_VALUES });
      const values = o.in.map((x, i) => text(x, `${at}.in[${i}]`));
      return { attribute: { dimension: dimension as SegmentDimension, in: values, withinDays: days(o.withinDays, `${at}.withinDays`, s) } };
    }
  }
}

function object(v: unknown, path: string, keys: readonly string[], expected = `one of ${keys.join(', ')}`): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw ruleError(path, `must be an object: ${expected}`, 'format', { format: 'object', allowed: keys });
  return v as Record<string, unknown>;
}

function fields(v: unknown, at: string, allowed: readonly string[]): Record<string, unknown> {
  const o = object(v, at, allowed, `with ${allowed.join(', ')}`);
  const extra = Object.keys(o).find((k) => !allowed.includes(k) && o[k] !== undefined);
  if (extra !== undefined) throw ruleError(at, `${echo(extra)} is not a field here; use ${allowed.join(', ')}`, 'unknown', { name: clip(extra), allowed });
  return o;
}

function pathMatch(v: unknown, at: string): PathMatch {
  const o = fields(v, at, ['equals', 'prefix', 'contains']);
  const given = (['equals', 'prefix', 'contains'] as const).filter((k) => o[k] !== undefined && o[k] !== null);
  if (given.length !== 1) throw ruleError(at, 'needs exactly one of equals, prefix, contains', 'exclusive', { allowed: ['equals', 'prefix', 'contains'] });
  const k = given[0]!;
  const value = text(o[k], `${at}.${k}`);
  if (k !== 'contains' && !value.startsWith('/')) throw ruleError(`${at}.${k}`, 'must be a path starting with "/"', 'format', { format: 'path' });
  return { [k]: value } as PathMatch;
}

function text(v: unknown, at: string): string {
  if (typeof v !== 'string' || v === '' || v.length > MAX_VALUE_LENGTH) throw ruleError(at, `must be a non-empty string of at most ${MAX_VALUE_LENGTH} characters`, 'length', { min: 1, max: MAX_VALUE_LENGTH });
  // NOTE: the rule is stored (and its values become query parameters): a lone UTF-16 surrogate, which
  // ClickHouse cannot read, is mended to U+FFFD.
  return v.toWellFormed();
}

function count(v: unknown, at: string, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1_000_000) throw ruleError(at, 'must be an integer between 1 and 1000000', 'range', { min: 1, max: 1_000_000 });
  return v;
}

function days(v: unknown, at: string, s: State): number {
  const d = v === undefined || v === null ? Math.min(DEFAULT_WINDOW_DAYS, s.maxWindowDays) : v;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) throw ruleError(at, `must be a whole number of days between 1 and ${s.maxWindowDays}`, 'range', { min: 1, max: s.maxWindowDays });
  if (d > s.maxWindowDays) throw ruleError(at, `${d} days reaches past the site's retention of ${s.maxWindowDays} days; hits that old are gone`, 'retention', { days: d, max: s.maxWindowDays });
  return d;
}

/** The longest window any leaf looks back, so the compiled query reads no older partitions. */
export function ruleWindowDays(rule: SegmentRule): number {
  if ('all' in rule) return Math.max(...rule.all.map(ruleWindowDays));
  if ('any' in rule) return Math.max(...rule.any.map(ruleWindowDays));
  if ('not' in rule) return ruleWindowDays(rule.not);
  const leaf = Object.values(rule)[0] as { withinDays: number };
  return leaf.withinDays;
}
