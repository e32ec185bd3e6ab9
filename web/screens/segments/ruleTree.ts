// The rule builder's model: a segment rule (src/segments/segmentRule.ts) as a tree of nodes with stable
// ids, its leaf values kept as typed text (so a half-typed "1" or a bad "-3" lives in the builder and
// the validation mirror names it). Pure: no DOM, unit-tested in test/unit/segmentsRuleTree.test.ts.

export const LEAF_KINDS = ['visited', 'event', 'visits', 'lastSeen', 'attribute'] as const;
export type LeafKind = (typeof LEAF_KINDS)[number];
export const GROUP_KINDS = ['all', 'any'] as const;
export type GroupKind = (typeof GROUP_KINDS)[number];
export const NODE_KINDS = ['all', 'any', 'not', ...LEAF_KINDS] as const;
export type NodeKind = (typeof NODE_KINDS)[number];
export const MATCH_KINDS = ['equals', 'prefix', 'contains'] as const;
export type MatchKind = (typeof MATCH_KINDS)[number];
/** The dimensions an `attribute` leaf may name (the server's SEGMENT_DIMENSIONS; a unit test keeps them equal). */
export const SEGMENT_DIMENSIONS = ['DEVICE', 'BROWSER', 'OS', 'COUNTRY', 'REGION', 'REFERRER_SOURCE', 'UTM_SOURCE', 'UTM_MEDIUM', 'UTM_CAMPAIGN', 'LANGUAGE'] as const;

export type GroupNode = { id: string; kind: GroupKind; children: RuleNode[] };
export type NotNode = { id: string; kind: 'not'; child: RuleNode };
export type VisitedNode = { id: string; kind: 'visited'; match: MatchKind; path: string; atLeast: string; withinDays: string };
export type EventNode = { id: string; kind: 'event'; name: string; atLeast: string; withinDays: string };
export type VisitsNode = { id: string; kind: 'visits'; atLeast: string; withinDays: string };
export type LastSeenNode = { id: string; kind: 'lastSeen'; withinDays: string };
export type AttributeNode = { id: string; kind: 'attribute'; dimension: string; values: string[]; withinDays: string };
export type LeafNode = VisitedNode | EventNode | VisitsNode | LastSeenNode | AttributeNode;
export type RuleNode = GroupNode | NotNode | LeafNode;

let counter = 0;
/** A fresh node id: unique within the page, used as the Preact key and the DOM id prefix. */
export function newId(): string {
  return `rn${++counter}`;
}

export function isGroup(n: RuleNode): n is GroupNode {
  return n.kind === 'all' || n.kind === 'any';
}

export function isLeaf(n: RuleNode): n is LeafNode {
  return (LEAF_KINDS as readonly string[]).includes(n.kind);
}

/** A new leaf with the server's defaults written out (a 30-day window, at least 1). */
export function newLeaf<K extends LeafKind>(kind: K): Extract<LeafNode, { kind: K }> {
  return makeLeaf(kind) as Extract<LeafNode, { kind: K }>;
}

function makeLeaf(kind: LeafKind): LeafNode {
  const id = newId();
  switch (kind) {
    case 'visited':
      return { id, kind, match: 'prefix', path: '/', atLeast: '1', withinDays: '30' };
    case 'event':
      return { id, kind, name: '', atLeast: '1', withinDays: '30' };
    case 'visits':
      return { id, kind, atLeast: '2', withinDays: '30' };
    case 'lastSeen':
      return { id, kind, withinDays: '30' };
    case 'attribute':
      return { id, kind, dimension: 'COUNTRY', values: [''], withinDays: '30' };
  }
}

export function newGroup(kind: GroupKind, children: RuleNode[] = []): GroupNode {
  return { id: newId(), kind, children };
}

/** The starting rule of a new segment: `all` of one `visited`. */
export function starterTree(): RuleNode {
  return newGroup('all', [newLeaf('visited')]);
}

// Tree → rule ----------------------------------------------------------------------------------------

/** Typed text → the JSON value sent: an integer when it reads as one, absent when empty, else the text (the mirror then names it). */
function numberOut(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

function withNumbers(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

/** The rule as the API takes it (SegmentRuleInput, as JSON). */
export function treeToRule(n: RuleNode): Record<string, unknown> {
  switch (n.kind) {
    case 'all':
    case 'any':
      return { [n.kind]: n.children.map(treeToRule) };
    case 'not':
      return { not: treeToRule(n.child) };
    case 'visited':
      return { visited: withNumbers({ path: { [n.match]: n.path }, atLeast: numberOut(n.atLeast), withinDays: numberOut(n.withinDays) }) };
    case 'event':
      return { event: withNumbers({ name: n.name, atLeast: numberOut(n.atLeast), withinDays: numberOut(n.withinDays) }) };
    case 'visits':
      return { visits: withNumbers({ atLeast: numberOut(n.atLeast), withinDays: numberOut(n.withinDays) }) };
    case 'lastSeen':
      return { lastSeen: withNumbers({ withinDays: numberOut(n.withinDays) }) };
    case 'attribute':
      return { attribute: withNumbers({ dimension: n.dimension, in: n.values, withinDays: numberOut(n.withinDays) }) };
  }
}

// Rule → tree ----------------------------------------------------------------------------------------

/** A rule the builder cannot draw (not merely a bad value): where and why, as the server would say it. */
export interface ShapeError {
  path: string;
  code: 'notObject' | 'noKind' | 'manyKinds' | 'unknownKind' | 'notList' | 'extraField' | 'pathMatch' | 'notText' | 'notNumber' | 'inList';
  detail?: string;
}

class Shape extends Error {
  readonly error: ShapeError;
  constructor(error: ShapeError) {
    super(`${error.path}: ${error.code}`);
    this.error = error;
  }
}

const present = (o: Record<string, unknown>, k: string) => o[k] !== undefined && o[k] !== null;

function asObject(v: unknown, path: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Shape({ path, code: 'notObject' });
  return v as Record<string, unknown>;
}

function fieldsOf(v: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  const o = asObject(v, path);
  const extra = Object.keys(o).find((k) => !allowed.includes(k) && o[k] !== undefined);
  if (extra !== undefined) throw new Shape({ path, code: 'extraField', detail: extra });
  return o;
}

function textIn(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new Shape({ path, code: 'notText' });
  return v;
}

function numberIn(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  throw new Shape({ path, code: 'notNumber' });
}

function toNode(input: unknown, path: string): RuleNode {
  const o = asObject(input, path);
  const kinds = Object.keys(o).filter((k) => present(o, k));
  const unknownKind = kinds.find((k) => !(NODE_KINDS as readonly string[]).includes(k));
  if (unknownKind !== undefined) throw new Shape({ path, code: 'unknownKind', detail: unknownKind });
  if (kinds.length === 0) throw new Shape({ path, code: 'noKind' });
  if (kinds.length > 1) throw new Shape({ path, code: 'manyKinds', detail: kinds.join(', ') });
  const kind = kinds[0] as NodeKind;
  const at = `${path}.${kind}`;
  const v = o[kind];
  const id = newId();
  switch (kind) {
    case 'all':
    case 'any':
      if (!Array.isArray(v)) throw new Shape({ path: at, code: 'notList' });
      return { id, kind, children: v.map((c, i) => toNode(c, `${at}[${i}]`)) };
    case 'not':
      return { id, kind, child: toNode(v, at) };
    case 'visited': {
      const f = fieldsOf(v, at, ['path', 'atLeast', 'withinDays']);
      const p = fieldsOf(f.path, `${at}.path`, MATCH_KINDS);
      const given = MATCH_KINDS.filter((k) => present(p, k));
      if (given.length !== 1) throw new Shape({ path: `${at}.path`, code: 'pathMatch' });
      const match = given[0]!;
      return { id, kind, match, path: textIn(p[match], `${at}.path.${match}`), atLeast: numberIn(f.atLeast, `${at}.atLeast`), withinDays: numberIn(f.withinDays, `${at}.withinDays`) };
    }
    case 'event': {
      const f = fieldsOf(v, at, ['name', 'atLeast', 'withinDays']);
      return { id, kind, name: textIn(f.name, `${at}.name`), atLeast: numberIn(f.atLeast, `${at}.atLeast`), withinDays: numberIn(f.withinDays, `${at}.withinDays`) };
    }
    case 'visits': {
      const f = fieldsOf(v, at, ['atLeast', 'withinDays']);
      return { id, kind, atLeast: numberIn(f.atLeast, `${at}.atLeast`), withinDays: numberIn(f.withinDays, `${at}.withinDays`) };
    }
    case 'lastSeen': {
      const f = fieldsOf(v, at, ['withinDays']);
      return { id, kind, withinDays: numberIn(f.withinDays, `${at}.withinDays`) };
    }
    case 'attribute': {
      const f = fieldsOf(v, at, ['dimension', 'in', 'withinDays']);
      if (!Array.isArray(f.in)) throw new Shape({ path: `${at}.in`, code: 'inList' });
      const values = f.in.map((x, i) => textIn(x, `${at}.in[${i}]`));
      return { id, kind, dimension: textIn(f.dimension, `${at}.dimension`), values, withinDays: numberIn(f.withinDays, `${at}.withinDays`) };
    }
  }
}

/** A rule (parsed JSON, or a stored Segment.rule) as a builder tree, or where it cannot be drawn. */
export function ruleToTree(input: unknown, path = 'rule'): { ok: true; tree: RuleNode } | { ok: false; error: ShapeError } {
  try {
    return { ok: true, tree: toNode(input, path) };
  } catch (err) {
    if (err instanceof Shape) return { ok: false, error: err.error };
    throw err;
  }
}

// Edits (immutable: each returns a new root, the untouched subtrees shared) -----------------------------

export function findNode(root: RuleNode, id: string): RuleNode | undefined {
  if (root.id === id) return root;
  if (isGroup(root)) {
    for (const c of root.children) {
      const f = findNode(c, id);
      if (f !== undefined) return f;
    }
  }
  return root.kind === 'not' ? findNode(root.child, id) : undefined;
}

export function parentOf(root: RuleNode, id: string): GroupNode | NotNode | undefined {
  if (isGroup(root)) {
    for (const c of root.children) {
      if (c.id === id) return root;
      const p = parentOf(c, id);
      if (p !== undefined) return p;
    }
  }
  if (root.kind === 'not') return root.child.id === id ? root : parentOf(root.child, id);
  return undefined;
}

/** Replaces the node `id` with fn(node); fn may return another node (wrapping, unwrapping). */
export function replaceNode(root: RuleNode, id: string, fn: (n: RuleNode) => RuleNode): RuleNode {
  if (root.id === id) return fn(root);
  if (isGroup(root)) {
    const children = root.children.map((c) => replaceNode(c, id, fn));
    return children.every((c, i) => c === root.children[i]) ? root : { ...root, children };
  }
  if (root.kind === 'not') {
    const child = replaceNode(root.child, id, fn);
    return child === root.child ? root : { ...root, child };
  }
  return root;
}

/** A change to one leaf's fields, or a group's all/any. */
export type NodePatch = (LeafNode extends infer T ? (T extends LeafNode ? Partial<Omit<T, 'id' | 'kind'>> : never) : never) | { kind: GroupKind };

/** Sets fields of a leaf (or a group's all/any). */
export function updateNode(root: RuleNode, id: string, patch: NodePatch): RuleNode {
  return replaceNode(root, id, (n) => ({ ...n, ...patch }) as RuleNode);
}

export function addChild(root: RuleNode, groupId: string, child: RuleNode): RuleNode {
  return replaceNode(root, groupId, (n) => (isGroup(n) ? { ...n, children: [...n.children, child] } : n));
}

/**
 * Removes a condition from its group. The child of a `not` goes with its `not`; the root stays (a rule
 * needs one node): the caller offers no remove there.
 */
export function removeNode(root: RuleNode, id: string): RuleNode {
  const parent = parentOf(root, id);
  if (parent === undefined) return root;
  if (parent.kind === 'not') return removeNode(root, parent.id);
  return replaceNode(root, parent.id, (p) => (isGroup(p) ? { ...p, children: p.children.filter((c) => c.id !== id) } : p));
}

/** Moves a condition within its group by `delta` places (−1 up, +1 down); no move past either end. */
export function moveNode(root: RuleNode, id: string, delta: number): RuleNode {
  const parent = parentOf(root, id);
  if (parent === undefined || !isGroup(parent)) return root;
  const from = parent.children.findIndex((c) => c.id === id);
  const to = from + delta;
  if (to < 0 || to >= parent.children.length) return root;
  const children = [...parent.children];
  const [moved] = children.splice(from, 1);
  children.splice(to, 0, moved!);
  return replaceNode(root, parent.id, (p) => ({ ...p, children }) as GroupNode);
}

export function wrapInNot(root: RuleNode, id: string): RuleNode {
  return replaceNode(root, id, (n) => ({ id: newId(), kind: 'not', child: n }));
}

export function unwrapNot(root: RuleNode, notId: string): RuleNode {
  return replaceNode(root, notId, (n) => (n.kind === 'not' ? n.child : n));
}

export function wrapInGroup(root: RuleNode, id: string, kind: GroupKind = 'all'): RuleNode {
  return replaceNode(root, id, (n) => newGroup(kind, [n]));
}

/** Where a node sits: its index in its group and the group's size (for up/down and labels). */
export function positionOf(root: RuleNode, id: string): { index: number; count: number } | undefined {
  const parent = parentOf(root, id);
  if (parent === undefined || !isGroup(parent)) return undefined;
  return { index: parent.children.findIndex((c) => c.id === id), count: parent.children.length };
}
