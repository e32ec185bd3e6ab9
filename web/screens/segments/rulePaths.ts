// Paths ⇄ builder nodes: the API names the node at fault (`ApiFailure.field`, e.g.
// `rule.all[1].visited.path.prefix`); the builder highlights that node and the control inside it.
// Pure: unit-tested in test/unit/segmentsRulePaths.test.ts.
import { isGroup, type RuleNode } from './ruleTree.ts';

/** A path's place in the tree: the node, and the leaf field under it when the path goes that deep. */
export interface NodeTarget {
  nodeId: string;
  /** The rest of the path inside a leaf: `path.prefix`, `atLeast`, `in[2]`; undefined for the node itself. */
  field?: string;
}

/** The path of a node as the server writes it: `rule.all[1]` (a leaf's own errors add `.visited`). */
export function nodePath(root: RuleNode, id: string, base = 'rule'): string | undefined {
  if (root.id === id) return base;
  if (isGroup(root)) {
    for (let i = 0; i < root.children.length; i++) {
      const p = nodePath(root.children[i]!, id, `${base}.${root.kind}[${i}]`);
      if (p !== undefined) return p;
    }
  }
  return root.kind === 'not' ? nodePath(root.child, id, `${base}.not`) : undefined;
}

/**
 * The node a server path names, or undefined when the path is not under `base` (then it names a form
 * field such as `name`). A path past what the tree holds stops at the deepest node it reached.
 */
export function locatePath(root: RuleNode, path: string, base = 'rule'): NodeTarget | undefined {
  if (path !== base && !path.startsWith(`${base}.`) && !path.startsWith(`${base}[`)) return undefined;
  let rest = path.slice(base.length);
  let node = root;
  for (;;) {
    if (rest === '') return { nodeId: node.id };
    const kind = /^\.(\w+)/.exec(rest);
    if (kind === null || kind[1] !== node.kind) return { nodeId: node.id };
    rest = rest.slice(kind[0].length);
    if (isGroup(node)) {
      const index = /^\[(\d+)\]/.exec(rest);
      const child = index === null ? undefined : node.children[Number(index[1])];
      if (index === null || child === undefined) return { nodeId: node.id };
      rest = rest.slice(index[0].length);
      node = child;
    } else if (node.kind === 'not') {
      node = node.child;
    } else {
      const field = rest.replace(/^\./, '');
      return field === '' ? { nodeId: node.id } : { nodeId: node.id, field };
    }
  }
}

/** A leaf field path → the control it means: `path.prefix` → `path`, `in[2]` → `in` #2. */
export function fieldControl(field: string): { name: string; index?: number } {
  const m = /^(\w+)(?:\[(\d+)\])?/.exec(field);
  if (m === null) return { name: field };
  return m[2] === undefined ? { name: m[1]! } : { name: m[1]!, index: Number(m[2]) };
}

/**
 * The field of an API error: `extensions.field` when the server named one, else the path graphql-js
 * writes into a variable-coercion message (`Variable "$rule" got invalid value 3 at "rule.all[0]…"`),
 * else the variable itself.
 */
export function failureField(failure: { field?: string | undefined; message: string }): string | undefined {
  if (failure.field !== undefined) return failure.field;
  const m = /^Variable "\$(\w+)" got invalid value .*? at "([^"]+)"/s.exec(failure.message);
  if (m !== null) return m[2];
  const whole = /^Variable "\$(\w+)" (?:got invalid value|of required type|of non-null type)/.exec(failure.message);
  return whole === null ? undefined : whole[1];
}
