// The rule builder: groups (all/any) of conditions, NOT around any node, every leaf kind. Native
// controls only (buttons, selects, inputs), so it works by keyboard and each control has a label;
// reordering is by "up"/"down" buttons rather than dragging. Faults show at their node.
import { useEffect, useState } from 'preact/hooks';
import { useI18n, type MessageKey } from '../../i18n.ts';
import { FaultList } from './FaultList.tsx';
import type { NodeFault } from './issueText.ts';
import { LeafEditor } from './LeafEditor.tsx';
import {
  addChild, isGroup, isLeaf, LEAF_KINDS, moveNode, parentOf, newGroup, newLeaf, removeNode, unwrapNot, updateNode, wrapInGroup, wrapInNot,
  type GroupNode, type LeafKind, type NotNode, type RuleNode,
} from './ruleTree.ts';

export interface BuilderProps {
  root: RuleNode;
  onChange: (root: RuleNode) => void;
  faults: Map<string, NodeFault[]>;
}

interface Ctx extends BuilderProps {
  t: ReturnType<typeof useI18n>['t'];
  /** An edit that moves or makes nodes, and the control to focus after it (a moved or removed button loses the focus). */
  edit: (next: RuleNode, focusId: string) => void;
}

export function RuleBuilder(props: BuilderProps) {
  const { t } = useI18n();
  const [focusId, setFocusId] = useState<string>();
  const { root, onChange } = props;
  useEffect(() => {
    if (focusId === undefined) return;
    document.getElementById(focusId)?.focus();
    setFocusId(undefined);
  }, [focusId]);
  const edit = (next: RuleNode, id: string) => {
    onChange(next);
    setFocusId(id);
  };
  const ctx: Ctx = { ...props, t, edit };
  return (
    <div class="rb">
      <div class="rb-tools">
        {root.kind === 'not' ? null : (
          <button type="button" onClick={() => { const next = wrapInNot(root, root.id); edit(next, next.id); }}>{t('segments.node.negateRoot')}</button>
        )}
        {root.kind === 'all' || root.kind === 'any' ? null : (
          <button type="button" onClick={() => { const next = wrapInGroup(root, root.id); edit(next, next.id); }}>{t('segments.node.wrap')}</button>
        )}
      </div>
      <NodeView node={root} ctx={ctx} />
    </div>
  );
}

function NodeView({ node, ctx }: { node: RuleNode; ctx: Ctx }) {
  if (isGroup(node)) return <GroupView node={node} ctx={ctx} />;
  if (node.kind === 'not') return <NotView node={node} ctx={ctx} />;
  if (!isLeaf(node)) return null;
  return <LeafEditor node={node} faults={ctx.faults.get(node.id)} onChange={(patch) => ctx.onChange(updateNode(ctx.root, node.id, patch))} />;
}

function nodeFaultProps(id: string, faults: NodeFault[] | undefined) {
  const bad = faults !== undefined && faults.length > 0;
  return { id, tabIndex: -1, class: bad ? 'rb-node rb-bad' : 'rb-node', 'aria-describedby': bad ? `${id}-err` : undefined };
}

function GroupView({ node, ctx }: { node: GroupNode; ctx: Ctx }) {
  const { t, root, onChange, edit } = ctx;
  const [adding, setAdding] = useState<LeafKind>('visited');
  const faults = ctx.faults.get(node.id);
  return (
    <fieldset {...nodeFaultProps(node.id, faults)} data-kind={node.kind}>
      <legend>
        <label for={`${node.id}-kind`} class="rb-legend-label">{t('segments.node.match')}</label>{' '}
        <select id={`${node.id}-kind`} value={node.kind} onChange={(e) => onChange(updateNode(root, node.id, { kind: (e.currentTarget as HTMLSelectElement).value as 'all' | 'any' }))}>
          <option value="all">{t('segments.kind.all')}</option>
          <option value="any">{t('segments.kind.any')}</option>
        </select>
      </legend>
      <FaultList id={node.id} faults={faults} />
      {node.children.length === 0 ? <p class="hint">{t('segments.node.empty')}</p> : null}
      <ol class="rb-children">
        {node.children.map((c, i) => (
          <li key={c.id}>
            <ChildActions group={node} child={c} index={i} ctx={ctx} />
            <NodeView node={c} ctx={ctx} />
          </li>
        ))}
      </ol>
      <div class="rb-add">
        <label for={`${node.id}-add`}>{t('segments.node.addKind')}</label>
        <select id={`${node.id}-add`} value={adding} onChange={(e) => setAdding((e.currentTarget as HTMLSelectElement).value as LeafKind)}>
          {LEAF_KINDS.map((k) => <option key={k} value={k}>{t(`segments.kind.${k}` as MessageKey)}</option>)}
        </select>
        <button type="button" onClick={() => { const leaf = newLeaf(adding); edit(addChild(root, node.id, leaf), leaf.id); }}>{t('segments.node.add')}</button>
        <button type="button" onClick={() => { const g = newGroup(node.kind === 'all' ? 'any' : 'all', [newLeaf(adding)]); edit(addChild(root, node.id, g), g.id); }}>
          {t('segments.node.addGroup')}
        </button>
      </div>
    </fieldset>
  );
}

function ChildActions({ group, child, index, ctx }: { group: GroupNode; child: RuleNode; index: number; ctx: Ctx }) {
  const { t, root, edit } = ctx;
  const n = index + 1;
  const last = group.children.length - 1;
  // After a move the moved condition's own button keeps the focus, or its other one at either end.
  const move = (delta: number) => {
    const to = index + delta;
    edit(moveNode(root, child.id, delta), `${child.id}-${(delta < 0 && to > 0) || (delta > 0 && to === last) ? 'up' : 'down'}`);
  };
  const negate = () => {
    const next = wrapInNot(root, child.id);
    edit(next, parentOf(next, child.id)?.id ?? child.id);
  };
  return (
    <div class="rb-actions">
      <span class="rb-pos">{t('segments.node.condition', { n })}</span>
      <button type="button" aria-label={t('segments.node.up', { n })} title={t('segments.node.up', { n })} id={`${child.id}-up`} disabled={index === 0} onClick={() => move(-1)}>↑</button>
      <button type="button" aria-label={t('segments.node.down', { n })} title={t('segments.node.down', { n })} id={`${child.id}-down`} disabled={index === last} onClick={() => move(1)}>↓</button>
      {child.kind === 'not' ? null : (
        <button type="button" aria-label={t('segments.node.negate', { n })} title={t('segments.node.negate', { n })} onClick={negate}>{t('segments.node.not')}</button>
      )}
      <button type="button" aria-label={t('segments.node.remove', { n })} title={t('segments.node.remove', { n })} onClick={() => edit(removeNode(root, child.id), `${group.id}-add`)}>✕</button>
    </div>
  );
}

function NotView({ node, ctx }: { node: NotNode; ctx: Ctx }) {
  const { t, root, edit } = ctx;
  const faults = ctx.faults.get(node.id);
  return (
    <fieldset {...nodeFaultProps(node.id, faults)} data-kind="not">
      <legend>{t('segments.kind.not')}</legend>
      <FaultList id={node.id} faults={faults} />
      <button type="button" class="rb-unwrap" onClick={() => edit(unwrapNot(root, node.id), node.child.id)}>{t('segments.node.unwrap')}</button>
      <NodeView node={node.child} ctx={ctx} />
    </fieldset>
  );
}
