// The server's rule checks (src/segments/segmentRule.ts parseSegmentRule, plus what GraphQL's input
// types refuse) mirrored in the page, so the builder names a bad value at its node before a round trip.
// Unlike the server it goes on past the first fault: every fault, in the server's order, so the first
// issue is the one the server would answer (test/unit/segmentsRuleCheck.test.ts checks that against the
// real parser). The server stays the judge: the site's retention is checked only when known.
import { LEAF_KINDS, MATCH_KINDS, NODE_KINDS, SEGMENT_DIMENSIONS } from './ruleTree.ts';

export type IssueCode =
  | 'notObject'
  | 'unknownKind'
  | 'noKind'
  | 'manyKinds'
  | 'tooDeep'
  | 'emptyList'
  | 'tooManyLeaves'
  | 'extraField'
  | 'pathMatch'
  | 'pathSlash'
  | 'text'
  | 'required'
  | 'count'
  | 'days'
  | 'retention'
  | 'dimension'
  | 'inList';

export interface RuleIssue {
  /** The server's path for the fault: `rule.all[1].visited.path.prefix`. */
  path: string;
  code: IssueCode;
  /** Numbers and names for the message: a limit, the offending key. */
  params?: Record<string, string | number>;
}

export interface CheckLimits {
  /** The site's retention, when the page knows it; else only GraphQL's Int bound applies. */
  maxWindowDays?: number;
  maxDepth?: number;
  maxLeaves?: number;
}

export const RULE_LIMITS = { maxDepth: 8, maxLeaves: 50, maxValueLength: 512, maxInValues: 100, maxCount: 1_000_000, defaultWindowDays: 30 } as const;
/** GraphQL's Int is 32-bit: a larger window fails in the variable coercion, before the resolver. */
const MAX_INT = 2 ** 31 - 1;

interface State {
  leaves: number;
  issues: RuleIssue[];
  readonly maxDepth: number;
  readonly maxLeaves: number;
  readonly maxWindowDays: number | undefined;
}

/** Every fault of a rule (JSON from the builder or the JSON view); empty when the server would take it. */
export function checkRule(input: unknown, limits: CheckLimits = {}, path = 'rule'): RuleIssue[] {
  const s: State = { leaves: 0, issues: [], maxDepth: limits.maxDepth ?? RULE_LIMITS.maxDepth, maxLeaves: limits.maxLeaves ?? RULE_LIMITS.maxLeaves, maxWindowDays: limits.maxWindowDays };
  node(input, path, 1, s);
  return s.issues;
}

const present = (o: Record<string, unknown>, k: string) => o[k] !== undefined && o[k] !== null;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function node(input: unknown, path: string, depth: number, s: State): void {
  if (!isObject(input)) return void s.issues.push({ path, code: 'notObject' });
  const kinds = Object.keys(input).filter((k) => present(input, k));
  const unknownKind = kinds.find((k) => !(NODE_KINDS as readonly string[]).includes(k));
  if (unknownKind !== undefined) return void s.issues.push({ path, code: 'unknownKind', params: { name: unknownKind } });
  if (kinds.length !== 1) return void s.issues.push(kinds.length === 0 ? { path, code: 'noKind' } : { path, code: 'manyKinds', params: { names: kinds.join(', ') } });
  if (depth > s.maxDepth) return void s.issues.push({ path, code: 'tooDeep', params: { max: s.maxDepth } });
  const kind = kinds[0]!;
  const at = `${path}.${kind}`;
  const v = input[kind];
  if (kind === 'all' || kind === 'any') {
    if (!Array.isArray(v) || v.length === 0) return void s.issues.push({ path: at, code: 'emptyList' });
    v.forEach((c, i) => node(c, `${at}[${i}]`, depth + 1, s));
    return;
  }
  if (kind === 'not') return node(v, at, depth + 1, s);
  if (++s.leaves > s.maxLeaves) return void s.issues.push({ path: at, code: 'tooManyLeaves', params: { max: s.maxLeaves } });
  leaf(kind as (typeof LEAF_KINDS)[number], v, at, s);
}

function leaf(kind: (typeof LEAF_KINDS)[number], v: unknown, at: string, s: State): void {
  const allowed = { visited: ['path', 'atLeast', 'withinDays'], event: ['name', 'atLeast', 'withinDays'], visits: ['atLeast', 'withinDays'], lastSeen: ['withinDays'], attribute: ['dimension', 'in', 'withinDays'] }[kind];
  const o = fields(v, at, allowed, s);
  if (o === undefined) return;
  switch (kind) {
    case 'visited':
      pathMatch(o.path, `${at}.path`, s);
      count(o.atLeast, `${at}.atLeast`, s);
      break;
    case 'event':
      text(o.name, `${at}.name`, s);
      count(o.atLeast, `${at}.atLeast`, s);
      break;
    case 'visits':
      if (!present(o, 'atLeast')) s.issues.push({ path: `${at}.atLeast`, code: 'required' });
      else count(o.atLeast, `${at}.atLeast`, s);
      break;
    case 'lastSeen':
      if (!present(o, 'withinDays')) return void s.issues.push({ path: `${at}.withinDays`, code: 'required' });
      break;
    case 'attribute': {
      // NOTE: stricter than the server, which upper-cases: GraphQL's Dimension enum takes only the exact name.
      if (typeof o.dimension !== 'string' || !(SEGMENT_DIMENSIONS as readonly string[]).includes(o.dimension)) {
        s.issues.push({ path: `${at}.dimension`, code: 'dimension', params: { name: typeof o.dimension === 'string' ? o.dimension : '', names: SEGMENT_DIMENSIONS.join(', ') } });
      }
      if (!Array.isArray(o.in) || o.in.length === 0 || o.in.length > RULE_LIMITS.maxInValues) s.issues.push({ path: `${at}.in`, code: 'inList', params: { max: RULE_LIMITS.maxInValues } });
      else o.in.forEach((x, i) => text(x, `${at}.in[${i}]`, s));
      break;
    }
  }
  days(o.withinDays, `${at}.withinDays`, s);
}

function fields(v: unknown, at: string, allowed: readonly string[], s: State): Record<string, unknown> | undefined {
  if (!isObject(v)) return void s.issues.push({ path: at, code: 'notObject' });
  const extra = Object.keys(v).find((k) => !allowed.includes(k) && v[k] !== undefined);
  if (extra !== undefined) return void s.issues.push({ path: at, code: 'extraField', params: { name: extra, names: allowed.join(', ') } });
  return v;
}

function pathMatch(v: unknown, at: string, s: State): void {
  const o = fields(v, at, MATCH_KINDS, s);
  if (o === undefined) return;
  const given = MATCH_KINDS.filter((k) => present(o, k));
  if (given.length !== 1) return void s.issues.push({ path: at, code: 'pathMatch' });
  const k = given[0]!;
  if (!text(o[k], `${at}.${k}`, s)) return;
  if (k !== 'contains' && !(o[k] as string).startsWith('/')) s.issues.push({ path: `${at}.${k}`, code: 'pathSlash' });
}

function text(v: unknown, at: string, s: State): boolean {
  if (typeof v === 'string' && v !== '' && v.length <= RULE_LIMITS.maxValueLength) return true;
  s.issues.push({ path: at, code: 'text', params: { max: RULE_LIMITS.maxValueLength } });
  return false;
}

function count(v: unknown, at: string, s: State): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > RULE_LIMITS.maxCount) s.issues.push({ path: at, code: 'count', params: { max: RULE_LIMITS.maxCount } });
}

function days(v: unknown, at: string, s: State): void {
  if (v === undefined || v === null) return;
  const max = s.maxWindowDays ?? MAX_INT;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || (s.maxWindowDays === undefined && v > MAX_INT)) return void s.issues.push({ path: at, code: 'days', params: { max } });
  if (v > max) s.issues.push({ path: at, code: 'retention', params: { days: v, max } });
}
