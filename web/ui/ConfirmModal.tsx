// A modal confirmation on the native <dialog>: focus moves into it and stays there, Escape cancels, the
// page behind is inert. Used before anything that cannot be undone.
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

export interface ConfirmModalProps {
  open: boolean;
  title: string;
  confirmLabel: string;
  cancelLabel: string;
  /** A destructive action gets the danger style. */
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children: ComponentChildren;
}

export function ConfirmModal(p: ConfirmModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = ref.current;
    if (d === null) return;
    if (p.open && !d.open) d.showModal();
    if (!p.open && d.open) d.close();
  }, [p.open]);
  return (
    <dialog ref={ref} class="confirm-modal" aria-labelledby={`${id}-t`} aria-describedby={`${id}-b`} onCancel={(e) => (e.preventDefault(), p.onCancel())}>
      <h2 id={`${id}-t`}>{p.title}</h2>
      <div id={`${id}-b`}>{p.children}</div>
      <div class="confirm-modal-actions">
        {/* Cancel first and focused: Enter on an open confirmation must not destroy anything. */}
        <button type="button" autofocus onClick={p.onCancel}>{p.cancelLabel}</button>
        <button type="button" class={p.danger ? 'danger' : 'primary'} onClick={p.onConfirm}>{p.confirmLabel}</button>
      </div>
    </dialog>
  );
}
