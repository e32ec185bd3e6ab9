// One condition of the rule builder: the fields of its kind, each labelled, a fault under the control
// the API (or the mirror) names: `…visited.path.prefix` → the path box, `…attribute.in[2]` → value 3.
import { useI18n, type MessageKey } from '../../i18n.ts';
import type { NodeFault } from './issueText.ts';
import { FaultList } from './FaultList.tsx';
import { fieldControl } from './rulePaths.ts';
import { MATCH_KINDS, SEGMENT_DIMENSIONS, type LeafNode, type MatchKind, type NodePatch } from './ruleTree.ts';

interface Props {
  node: LeafNode;
  faults: NodeFault[] | undefined;
  onChange: (patch: NodePatch) => void;
}

/** The controls a leaf kind has (a fault naming another field shows at the node). */
const CONTROLS: Record<LeafNode['kind'], readonly string[]> = {
  visited: ['path', 'atLeast', 'withinDays'],
  event: ['name', 'atLeast', 'withinDays'],
  visits: ['atLeast', 'withinDays'],
  lastSeen: ['withinDays'],
  attribute: ['dimension', 'in', 'withinDays'],
};

export function LeafEditor({ node, faults, onChange }: Props) {
  const { t } = useI18n();
  const controls = CONTROLS[node.kind];
  const at = (name: string, index?: number) =>
    (faults ?? []).filter((f) => {
      if (f.field === undefined) return false;
      const c = fieldControl(f.field);
      return c.name === name && (index === undefined ? c.index === undefined : c.index === index);
    });
  const own = (faults ?? []).filter((f) => f.field === undefined || !controls.includes(fieldControl(f.field).name));
  const bad = faults !== undefined && faults.length > 0;
  const input = (name: string, label: MessageKey, value: string, set: (v: string) => void, numeric = false, index?: number) => {
    const id = index === undefined ? `${node.id}-${name}` : `${node.id}-${name}-${index}`;
    const fs = at(name, index);
    return (
      <div class="rb-field">
        <label for={id}>{index === undefined ? t(label) : t(label, { n: index + 1 })}</label>
        <input
          id={id}
          type="text"
          inputMode={numeric ? 'numeric' : undefined}
          value={value}
          aria-invalid={fs.length > 0 ? 'true' : undefined}
          aria-describedby={fs.length > 0 ? `${id}-err` : undefined}
          onInput={(e) => set((e.currentTarget as HTMLInputElement).value)}
        />
        <FaultList id={id} faults={fs} />
      </div>
    );
  };
  const days = input('withinDays', 'segments.field.withinDays', node.withinDays, (v) => onChange({ withinDays: v }), true);
  let body;
  switch (node.kind) {
    case 'visited':
      body = (
        <>
          <div class="rb-field">
            <label for={`${node.id}-match`}>{t('segments.node.match')}</label>
            <select id={`${node.id}-match`} value={node.match} onChange={(e) => onChange({ match: (e.currentTarget as HTMLSelectElement).value as MatchKind })}>
              {MATCH_KINDS.map((m) => <option key={m} value={m}>{t(`segments.match.${m}`)}</option>)}
            </select>
          </div>
          {input('path', 'segments.field.path', node.path, (v) => onChange({ path: v }))}
          {input('atLeast', 'segments.field.atLeast.pageviews', node.atLeast, (v) => onChange({ atLeast: v }), true)}
          {days}
        </>
      );
      break;
    case 'event':
      body = (
        <>
          {input('name', 'segments.field.name', node.name, (v) => onChange({ name: v }))}
          {input('atLeast', 'segments.field.atLeast.events', node.atLeast, (v) => onChange({ atLeast: v }), true)}
          {days}
        </>
      );
      break;
    case 'visits':
      body = (
        <>
          {input('atLeast', 'segments.field.atLeast.visits', node.atLeast, (v) => onChange({ atLeast: v }), true)}
          {days}
        </>
      );
      break;
    case 'lastSeen':
      body = days;
      break;
    case 'attribute': {
      const dimFaults = at('dimension');
      const values = node.values;
      body = (
        <>
          <div class="rb-field">
            <label for={`${node.id}-dimension`}>{t('segments.field.dimension')}</label>
            <select
              id={`${node.id}-dimension`}
              value={node.dimension}
              aria-invalid={dimFaults.length > 0 ? 'true' : undefined}
              aria-describedby={dimFaults.length > 0 ? `${node.id}-dimension-err` : undefined}
              onChange={(e) => onChange({ dimension: (e.currentTarget as HTMLSelectElement).value })}
            >
              {(SEGMENT_DIMENSIONS as readonly string[]).includes(node.dimension) ? null : <option value={node.dimension}>{node.dimension}</option>}
              {SEGMENT_DIMENSIONS.map((d) => <option key={d} value={d}>{t(`segments.dim.${d}`)}</option>)}
            </select>
            <FaultList id={`${node.id}-dimension`} faults={dimFaults} />
          </div>
          <div class="rb-values" id={`${node.id}-in`} tabIndex={-1}>
            <FaultList id={`${node.id}-in`} faults={at('in')} />
            {values.map((v, i) => (
              <div class="rb-value" key={i}>
                {input('in', 'segments.field.value', v, (nv) => onChange({ values: values.map((x, j) => (j === i ? nv : x)) }), false, i)}
                <button type="button" aria-label={t('segments.field.removeValue', { n: i + 1 })} title={t('segments.field.removeValue', { n: i + 1 })} onClick={() => onChange({ values: values.filter((_, j) => j !== i) })}>✕</button>
              </div>
            ))}
            <button type="button" onClick={() => onChange({ values: [...values, ''] })}>{t('segments.field.addValue')}</button>
          </div>
          {days}
        </>
      );
      break;
    }
  }
  return (
    <fieldset id={node.id} tabIndex={-1} class={bad ? 'rb-node rb-leaf rb-bad' : 'rb-node rb-leaf'} data-kind={node.kind} aria-describedby={own.length > 0 ? `${node.id}-err` : undefined}>
      <legend>{t(`segments.kind.${node.kind}`)}</legend>
      <FaultList id={node.id} faults={own} />
      <div class="rb-fields">{body}</div>
    </fieldset>
  );
}
