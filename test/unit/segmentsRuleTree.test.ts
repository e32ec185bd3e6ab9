// The segments screen's rule builder model (web/screens/segments/): rule ⇄ tree, the edits, the path ⇄
// node mapping for API errors, and the validation mirror checked against the server's own parser. No DOM.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors/apiError.ts';
import { parseSegmentRule, SEGMENT_DIMENSIONS as SERVER_DIMENSIONS } from '../../src/segments/segmentRule.ts';
import { checkRule } from '../../web/screens/segments/ruleCheck.ts';
import { failureField, fieldControl, locatePath, nodePath } from '../../web/screens/segments/rulePaths.ts';
import {
  addChild, findNode, moveNode, newGroup, newLeaf, removeNode, ruleToTree, SEGMENT_DIMENSIONS, treeToRule, unwrapNot, updateNode, wrapInGroup, wrapInNot,
  type GroupNode, type NotNode, type RuleNode,
} from '../../web/screens/segments/ruleTree.ts';

const EXAMPLE = {
  all: [
    { visited: { path: { prefix: '/pricing' }, atLeast: 2, withinDays: 14 } },
    { not: { event: { name: 'signup', atLeast: 1, withinDays: 30 } } },
    { any: [{ attribute: { dimension: 'COUNTRY', in: ['RU', 'KZ'], withinDays: 30 } }, { visits: { atLeast: 3, withinDays: 7 } }, { lastSeen: { withinDays: 5 } }] },
  ],
};

const tree = (rule: unknown): RuleNode => {
  const r = ruleToTree(rule);
  if (!r.ok) throw new Error(`not drawable: ${JSON.stringify(r.error)}`);
  return r.tree;
};

describe('rule ⇄ tree', () => {
  it('round-trips every leaf and all/any/not', () => {
    expect(treeToRule(tree(EXAMPLE))).toEqual(EXAMPLE);
  });

  it('keeps typed text: empty numbers are left to the server default, non-numbers are sent for the mirror to name', () => {
    const leaf = { ...newLeaf('event'), name: 'x', atLeast: '', withinDays: ' 7 ' };
    expect(treeToRule(leaf)).toEqual({ event: { name: 'x', withinDays: 7 } });
    expect(treeToRule({ ...leaf, atLeast: '2a' })).toEqual({ event: { name: 'x', atLeast: '2a', withinDays: 7 } });
  });

  it('draws GraphQL-style nulls and a stored rule with defaults', () => {
    expect(treeToRule(tree({ lastSeen: { withinDays: 7 }, any: null }))).toEqual({ lastSeen: { withinDays: 7 } });
    expect(treeToRule(tree({ all: [] }))).toEqual({ all: [] });
  });

  it.each([
    [null, 'rule', 'notObject'],
    [{ visited: { path: { prefix: '/a' } }, lastSeen: { withinDays: 1 } }, 'rule', 'manyKinds'],
    [{ all: [{ bogus: 1 }] }, 'rule.all[0]', 'unknownKind'],
    [{ any: {} }, 'rule.any', 'notList'],
    [{ not: { visited: { path: { equals: '/a', prefix: '/b' } } } }, 'rule.not.visited.path', 'pathMatch'],
    [{ event: { name: 3 } }, 'rule.event.name', 'notText'],
    [{ lastSeen: { withinDays: {} } }, 'rule.lastSeen.withinDays', 'notNumber'],
    [{ attribute: { dimension: 'OS', in: 'x' } }, 'rule.attribute.in', 'inList'],
    [{ visits: { atLeast: 1, extra: 1 } }, 'rule.visits', 'extraField'],
  ])('names where %j cannot be drawn', (rule, path, code) => {
    expect(ruleToTree(rule)).toEqual({ ok: false, error: expect.objectContaining({ path, code }) });
  });
});

describe('edits', () => {
  const root = () => tree(EXAMPLE) as GroupNode;

  it('adds, removes and reorders conditions, and leaves the rest shared', () => {
    const r = root();
    const [a, b, c] = r.children;
    const added = addChild(r, r.id, newLeaf('lastSeen')) as GroupNode;
    expect(added.children).toHaveLength(4);
    expect(added.children[0]).toBe(a);
    const moved = moveNode(r, c!.id, -1) as GroupNode;
    expect(moved.children.map((n) => n.id)).toEqual([a!.id, c!.id, b!.id]);
    expect(moveNode(r, a!.id, -1)).toBe(r);
    expect(moveNode(r, c!.id, 1)).toBe(r);
    expect((removeNode(r, a!.id) as GroupNode).children.map((n) => n.id)).toEqual([b!.id, c!.id]);
    expect(removeNode(r, r.id)).toBe(r);
  });

  it('removing the child of a not removes the not', () => {
    const r = root();
    const not = r.children[1] as NotNode;
    expect((removeNode(r, not.child.id) as GroupNode).children.map((n) => n.kind)).toEqual(['visited', 'any']);
  });

  it('wraps in not and in a group, unwraps, switches all/any and sets leaf fields', () => {
    const r = root();
    const v = r.children[0]!;
    const negated = wrapInNot(r, v.id);
    expect(treeToRule(negated)).toEqual({ ...EXAMPLE, all: [{ not: EXAMPLE.all[0] }, ...EXAMPLE.all.slice(1)] });
    expect(treeToRule(unwrapNot(negated, (negated as GroupNode).children[0]!.id))).toEqual(EXAMPLE);
    const single = newLeaf('lastSeen');
    expect(treeToRule(wrapInGroup(single, single.id, 'any'))).toEqual({ any: [{ lastSeen: { withinDays: 30 } }] });
    expect(treeToRule(updateNode(r, r.id, { kind: 'any' }))).toEqual({ any: EXAMPLE.all });
    const edited = updateNode(r, v.id, { match: 'contains', path: 'price' });
    expect((treeToRule(edited) as { all: unknown[] }).all[0]).toEqual({ visited: { path: { contains: 'price' }, atLeast: 2, withinDays: 14 } });
    expect(findNode(edited, v.id)).toMatchObject({ path: 'price' });
  });
});

describe('path ⇄ node', () => {
  it('names each node as the server does and finds it back', () => {
    const r = tree(EXAMPLE) as GroupNode;
    const not = r.children[1] as NotNode;
    const any = r.children[2] as GroupNode;
    expect(nodePath(r, r.id)).toBe('rule');
    expect(nodePath(r, not.child.id)).toBe('rule.all[1].not');
    expect(nodePath(r, any.children[2]!.id)).toBe('rule.all[2].any[2]');
    expect(locatePath(r, 'rule')).toEqual({ nodeId: r.id });
    expect(locatePath(r, 'rule.all')).toEqual({ nodeId: r.id });
    expect(locatePath(r, 'rule.all[0].visited.path.prefix')).toEqual({ nodeId: r.children[0]!.id, field: 'path.prefix' });
    expect(locatePath(r, 'rule.all[1].not.event')).toEqual({ nodeId: not.child.id });
    expect(locatePath(r, 'rule.all[1]')).toEqual({ nodeId: not.id });
    expect(locatePath(r, 'rule.all[2].any[0].attribute.in[1]')).toEqual({ nodeId: any.children[0]!.id, field: 'in[1]' });
    // Past what the tree holds: the deepest node reached.
    expect(locatePath(r, 'rule.all[7].visited')).toEqual({ nodeId: r.id });
    expect(locatePath(r, 'rule.any[0]')).toEqual({ nodeId: r.id });
    expect(locatePath(r, 'name')).toBeUndefined();
    expect(locatePath(r, 'ruler')).toBeUndefined();
  });

  it('maps a leaf field to its control', () => {
    expect(fieldControl('path.prefix')).toEqual({ name: 'path' });
    expect(fieldControl('in[2]')).toEqual({ name: 'in', index: 2 });
    expect(fieldControl('withinDays')).toEqual({ name: 'withinDays' });
  });

  it('reads the field of an API error, or of a GraphQL variable coercion', () => {
    expect(failureField({ field: 'rule.all[1].visited.path', message: 'x' })).toBe('rule.all[1].visited.path');
    expect(failureField({ message: 'Variable "$rule" got invalid value "x" at "rule.all[0].visited.atLeast"; Int cannot represent non-integer value: "x"' })).toBe('rule.all[0].visited.atLeast');
    expect(failureField({ message: 'Variable "$name" of required type "String!" was not provided.' })).toBe('name');
    expect(failureField({ message: 'segment x does not exist' })).toBeUndefined();
  });
});

describe('the validation mirror', () => {
  it('knows the server dimensions', () => {
    expect([...SEGMENT_DIMENSIONS].sort()).toEqual(Object.keys(SERVER_DIMENSIONS).sort());
  });

  const serverFault = (rule: unknown, maxWindowDays: number) => {
    try {
      parseSegmentRule(rule, { maxWindowDays });
    } catch (err) {
      if (err instanceof InputError) return err.field;
      throw err;
    }
    return undefined;
  };
  const deep = (n: number): unknown => (n === 0 ? { lastSeen: { withinDays: 1 } } : { not: deep(n - 1) });

  it.each([
    EXAMPLE,
    { visited: { path: { prefix: '/a' } }, lastSeen: { withinDays: 1 } },
    {},
    [],
    { all: [] },
    { any: [{ lastSeen: { withinDays: 1 } }, { bogus: 1 }] },
    { all: [{ any: [{ visited: { path: { equals: '/a', prefix: '/b' } } }] }] },
    { visited: { path: { equals: 'pricing' } } },
    { visited: { path: { contains: 'pricing' }, atLeast: 0 } },
    { visited: {} },
    { lastSeen: { withinDays: 91 } },
    { lastSeen: { withinDays: 0 } },
    { lastSeen: {} },
    { visits: { withinDays: 3 } },
    { event: { name: '' } },
    { event: { name: 'x'.repeat(513) } },
    { event: { name: 'x', atLeast: 1.5 } },
    { event: { name: 'x', atLeast: '2' } },
    { attribute: { dimension: 'TIME', in: ['x'] } },
    { attribute: { dimension: 'COUNTRY', in: [] } },
    { attribute: { dimension: 'COUNTRY', in: Array.from({ length: 101 }, () => 'x') } },
    { attribute: { dimension: 'COUNTRY', in: ['RU', 3] } },
    { not: { lastSeen: { withinDays: 1, extra: true } } },
    { all: [{ lastSeen: { withinDays: 1 } }, { not: { event: { name: 'x', withinDays: 400 } } }] },
    deep(7),
    deep(8),
    { any: Array.from({ length: 51 }, () => ({ lastSeen: { withinDays: 1 } })) },
  ])('answers %j as the server does (its first issue is the server\'s field)', (rule) => {
    expect(checkRule(rule, { maxWindowDays: 90 })[0]?.path).toBe(serverFault(rule, 90));
  });

  it('goes on past the first fault and names each at its node', () => {
    const rule = { all: [{ visited: { path: { prefix: 'x' }, atLeast: -1 } }, { event: { name: '' } }, { lastSeen: { withinDays: 9999 } }] };
    expect(checkRule(rule, { maxWindowDays: 90 }).map((i) => [i.path, i.code])).toEqual([
      ['rule.all[0].visited.path.prefix', 'pathSlash'],
      ['rule.all[0].visited.atLeast', 'count'],
      ['rule.all[1].event.name', 'text'],
      ['rule.all[2].lastSeen.withinDays', 'retention'],
    ]);
  });

  it('without the retention, leaves the window to the server (but not past GraphQL\'s Int)', () => {
    expect(checkRule({ lastSeen: { withinDays: 9999 } })).toEqual([]);
    expect(checkRule({ lastSeen: { withinDays: 2 ** 31 } })[0]).toMatchObject({ path: 'rule.lastSeen.withinDays', code: 'days' });
    expect(checkRule({ attribute: { dimension: 'country', in: ['RU'] } })[0]).toMatchObject({ path: 'rule.attribute.dimension', code: 'dimension' });
  });

  it('a new group is empty until given a condition', () => {
    expect(checkRule(treeToRule(newGroup('any')))[0]).toMatchObject({ path: 'rule.any', code: 'emptyList' });
  });
});
