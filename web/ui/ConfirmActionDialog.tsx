// A modal confirmation (the native <dialog>: focus kept inside, Escape cancels), for what cannot be
// undone from the page (deleting a segment, …). The confirm button is not the one focused first.
import { useEffect, useRef } from 'preact/hooks';
import './confirmActionDialog.css';

interface Props {
  title: string;
  message: string;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmActionDialog({ title, message, confirmLabel, cancelLabel, onConfirm, onCancel }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d !== null && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={ref} class="confirm-dialog" aria-labelledby="confirm-dialog-title" aria-describedby="confirm-dialog-text" onCancel={(e) => (e.preventDefault(), onCancel())}>
      <h2 id="confirm-dialog-title">{title}</h2>
      <p id="confirm-dialog-text">{message}</p>
      <div class="confirm-dialog-buttons">
        <button type="button" autoFocus onClick={onCancel}>{cancelLabel}</button>
        <button type="button" class="danger" onClick={onConfirm}>{confirmLabel}</button>
      </div>
    </dialog>
  );
}
