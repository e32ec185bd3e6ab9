// The rule as JSON, editable: text that parses and that the builder can draw replaces the builder's
// tree at once; otherwise the builder keeps its last tree and the fault shows here (a syntax error, or
// where the shape cannot be drawn). The builder's edits rewrite this text.
import { useMemo } from 'preact/hooks';
import { useI18n, type I18n } from '../../i18n.ts';
import { issueMessage } from './issueText.ts';
import { ruleToTree, type RuleNode } from './ruleTree.ts';

interface Props {
  text: string;
  /** The new text, and the tree it draws when it does. */
  onText: (text: string, tree: RuleNode | undefined) => void;
}

function read(i18n: I18n, text: string): { tree: RuleNode } | { fault: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { fault: i18n.t('segments.json.syntax', { message: (err as Error).message }) };
  }
  const drawn = ruleToTree(parsed);
  return drawn.ok ? { tree: drawn.tree } : { fault: i18n.t('segments.json.shape', { path: drawn.error.path, message: issueMessage(i18n, drawn.error) }) };
}

export function RuleJsonView({ text, onText }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const state = useMemo(() => read(i18n, text), [text, i18n]);
  const fault = 'fault' in state ? state.fault : undefined;
  const edit = (next: string) => {
    const r = read(i18n, next);
    onText(next, 'tree' in r ? r.tree : undefined);
  };
  return (
    <section class="rb-json" aria-label={t('segments.editor.json')}>
      <h3>{t('segments.editor.json')}</h3>
      <label for="seg-json">{t('segments.json.label')}</label>
      <textarea
        id="seg-json"
        spellcheck={false}
        rows={18}
        value={text}
        aria-invalid={fault === undefined ? undefined : 'true'}
        aria-describedby={fault === undefined ? undefined : 'seg-json-err'}
        onInput={(e) => edit((e.currentTarget as HTMLTextAreaElement).value)}
      />
      {fault === undefined ? null : <p id="seg-json-err" class="error" role="status">{fault}</p>}
    </section>
  );
}
