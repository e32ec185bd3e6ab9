// A destructive action asks once more in place: the question, then Confirm / Cancel (Escape cancels).
// Focus moves to Confirm when asked and back to the first button when cancelled.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useI18n } from '../i18n.ts';

export interface ConfirmButtonProps {
  label: string;
  /** The question asked, e.g. "Revoke the key shop-stats? It stops working at once." */
  question: string;
  onConfirm: () => void;
  disabled?: boolean;
}

export function ConfirmButton({ label, question, onConfirm, disabled }: ConfirmButtonProps) {
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  // A layout effect: the focus moves with the render, before the next key press can arrive.
  useLayoutEffect(() => {
    if (asking) yes.current?.focus();
    else if (wasAsking.current) first.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" ref={first} class="danger" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span role="group" aria-label={question} class="confirm" onKeyDown={(e) => e.key === 'Escape' && setAsking(false)}>
      <span>{question}</span>
      <button
        type="button"
        ref={yes}
        class="danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {t('confirm.yes')}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        {t('confirm.no')}
      </button>
    </span>
  );
}
