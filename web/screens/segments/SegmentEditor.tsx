// Define or edit a segment: name, refresh interval, and the rule in the builder and as JSON, kept in
// sync both ways. Faults show at the node they name: the mirror's before sending (after a first save),
// the API's (`ApiFailure.field`) after; the control at fault gets the focus.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiFailure } from '../../api.ts';
import { apiErrorText } from '../../ui/apiErrorText.ts';
import { useI18n } from '../../i18n.ts';
import { apiFaultMessage, faultsByNode, issueMessage, serverRuleMessage } from './issueText.ts';
import { RuleBuilder } from './RuleBuilder.tsx';
import { RuleJsonView } from './RuleJsonView.tsx';
import { checkRule } from './ruleCheck.ts';
import { failureField, fieldControl, locatePath } from './rulePaths.ts';
import { ruleToTree, starterTree, treeToRule, type RuleNode } from './ruleTree.ts';
import { defineSegment, updateSegment, type Segment } from './segmentsApi.ts';

interface Props {
  site: string;
  /** The segment to edit; undefined to define a new one. */
  segment: Segment | undefined;
  onSaved: (s: Segment) => void;
  onCancel: () => void;
}

interface Fault {
  path: string;
  message: string;
}

const pretty = (tree: RuleNode) => JSON.stringify(treeToRule(tree), null, 2);

function initialTree(segment: Segment | undefined): RuleNode {
  if (segment === undefined) return starterTree();
  const drawn = ruleToTree(segment.rule);
  return drawn.ok ? drawn.tree : starterTree();
}

/** The DOM id of the control (or node) a field path names. */
function targetId(tree: RuleNode, path: string): string | undefined {
  if (path === 'name') return 'seg-name';
  if (path === 'refreshEveryMinutes') return 'seg-every';
  const at = locatePath(tree, path);
  if (at === undefined) return undefined;
  if (at.field === undefined) return at.nodeId;
  const c = fieldControl(at.field);
  const control = `${at.nodeId}-${c.name}${c.index === undefined ? '' : `-${c.index}`}`;
  // A field no control shows (a stray key) is shown at its node.
  return document.getElementById(control) === null ? at.nodeId : control;
}

export function SegmentEditor({ site, segment, onSaved, onCancel }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const [name, setName] = useState(segment?.name ?? '');
  const [every, setEvery] = useState(String(segment?.refreshEveryMinutes ?? 15));
  const [tree, setTree] = useState<RuleNode>(() => initialTree(segment));
  const [json, setJson] = useState(() => pretty(tree));
  const [submitted, setSubmitted] = useState(false);
  const [apiFault, setApiFault] = useState<Fault>();
  const [general, setGeneral] = useState<string>();
  const [saving, setSaving] = useState(false);
  const [focusPath, setFocusPath] = useState<string>();

  const issues = useMemo(() => checkRule(treeToRule(tree)), [tree]);
  const ruleFaults: Fault[] = submitted ? issues.map((i) => ({ path: i.path, message: issueMessage(i18n, i) })) : [];
  if (apiFault !== undefined && locatePath(tree, apiFault.path) !== undefined) ruleFaults.push(apiFault);
  const faults = faultsByNode(tree, ruleFaults);
  const everyBad = submitted && !/^\d+$/.test(every.trim());
  const fieldFault = (f: string) => (apiFault?.path === f ? apiFault.message : undefined);
  const nameFault = fieldFault('name');
  const everyFault = everyBad ? t('segments.issue.count', { max: 1440 }) : fieldFault('refreshEveryMinutes');

  useEffect(() => {
    if (focusPath === undefined) return;
    const id = targetId(tree, focusPath);
    if (id !== undefined) document.getElementById(id)?.focus();
    setFocusPath(undefined);
  }, [focusPath]);

  const fromBuilder = (next: RuleNode) => {
    setTree(next);
    setJson(pretty(next));
    setApiFault(undefined);
  };

  const save = (e: Event) => {
    e.preventDefault();
    setSubmitted(true);
    setGeneral(undefined);
    setApiFault(undefined);
    const first = issues[0];
    if (first !== undefined) return setFocusPath(first.path);
    if (!/^\d+$/.test(every.trim())) return setFocusPath('refreshEveryMinutes');
    setSaving(true);
    const rule = treeToRule(tree);
    const call = segment === undefined ? defineSegment(site, name, rule, Number(every)) : updateSegment(segment.id, name, rule, Number(every));
    call.then(
      (saved) => {
        setSaving(false);
        onSaved(saved);
      },
      (err: Error) => {
        setSaving(false);
        const field = err instanceof ApiFailure ? failureField(err) : undefined;
        // A rule the API names is worded here; else the server's message, which starts with the path
        // (the node shows where, so the text goes without it).
        const shown = field !== undefined && (field === 'name' || field === 'refreshEveryMinutes' || locatePath(tree, field) !== undefined);
        const opts = { atField: shown, labels: { name: t('segments.editor.name') } };
        const message =
          err instanceof ApiFailure && err.rule !== undefined
            ? apiFaultMessage(i18n, err, opts)
            : field === undefined
              ? apiErrorText(i18n, err, opts)
              : serverRuleMessage(i18n, err.message.replace(`${field}: `, ''));
        if (shown) {
          setApiFault({ path: field, message });
          setFocusPath(field);
        } else setGeneral(message);
      },
    );
  };

  const title = segment === undefined ? t('segments.editor.new') : t('segments.editor.edit', { name: segment.name });
  return (
    <form class="seg-editor" onSubmit={save} aria-labelledby="seg-editor-title" noValidate>
      <h2 id="seg-editor-title">{title}</h2>
      <div class="seg-row">
        <div class="rb-field">
          <label for="seg-name">{t('segments.editor.name')}</label>
          <input id="seg-name" value={name} maxLength={200} required aria-invalid={nameFault === undefined ? undefined : 'true'} aria-describedby={nameFault === undefined ? undefined : 'seg-name-err'} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
          {nameFault === undefined ? null : <p id="seg-name-err" class="error">{nameFault}</p>}
        </div>
        <div class="rb-field">
          <label for="seg-every">{t('segments.editor.every')}</label>
          <input id="seg-every" inputMode="numeric" value={every} aria-invalid={everyFault === undefined ? undefined : 'true'} aria-describedby={everyFault === undefined ? undefined : 'seg-every-err'} onInput={(e) => setEvery((e.currentTarget as HTMLInputElement).value)} />
          {everyFault === undefined ? null : <p id="seg-every-err" class="error">{everyFault}</p>}
        </div>
      </div>
      {submitted && issues.length > 0 ? <p class="error" role="alert">{t('segments.editor.invalid', { count: issues.length })}</p> : null}
      <div class="seg-rule">
        <section aria-label={t('segments.editor.builder')}>
          <h3>{t('segments.editor.rule')}</h3>
          <RuleBuilder root={tree} onChange={fromBuilder} faults={faults} />
        </section>
        <RuleJsonView
          text={json}
          onText={(text, next) => {
            setJson(text);
            if (next !== undefined) {
              setTree(next);
              setApiFault(undefined);
            }
          }}
        />
      </div>
      {apiFault !== undefined ? (
        <p class="error" role="alert">
          {apiFault.path === 'name' ? t('segments.editor.name') : apiFault.path === 'refreshEveryMinutes' ? t('segments.editor.every') : apiFault.path}: {apiFault.message}
        </p>
      ) : null}
      {general === undefined ? null : <p class="error" role="alert">{general}</p>}
      <div class="seg-buttons">
        <button type="submit" class="primary" disabled={saving}>{saving ? t('segments.editor.saving') : t('segments.editor.save')}</button>
        <button type="button" onClick={onCancel}>{t('segments.editor.cancel')}</button>
      </div>
    </form>
  );
}
