// Copies a text (a counter snippet, a key's secret) to the clipboard and says so to screen readers.
// NOTE: navigator.clipboard exists only in secure contexts (HTTPS or localhost); elsewhere the button
// says to copy by hand, and the text beside it stays selectable.
import { useEffect, useState } from 'preact/hooks';
import { useI18n } from '../i18n.ts';

export function CopyButton({ text, label }: { text: string; /** What is copied, for the button's accessible name. */ label: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => setState('idle'), [text]);
  const copy = () => {
    if (navigator.clipboard === undefined) return setState('failed');
    navigator.clipboard.writeText(text).then(
      () => setState('copied'),
      () => setState('failed'),
    );
  };
  return (
    <span class="copy">
      <button type="button" onClick={copy} aria-label={t('copy.label', { what: label })}>
        {t('copy.button')}
      </button>
      <span role="status" class="copy-status">
        {state === 'copied' ? t('copy.done') : state === 'failed' ? t('copy.failed') : ''}
      </span>
    </span>
  );
}
