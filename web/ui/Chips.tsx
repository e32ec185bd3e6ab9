// Removable chips (the active filters): each a label and a button that says what it removes.
export interface Chip {
  id: string;
  label: string;
  /** The remove button's accessible name, e.g. "Remove filter Page: /pricing". */
  removeLabel: string;
}

interface Props {
  label: string;
  chips: readonly Chip[];
  onRemove: (id: string) => void;
  clearLabel?: string;
  onClear?: () => void;
}

export function Chips({ label, chips, onRemove, clearLabel, onClear }: Props) {
  if (chips.length === 0) return null;
  return (
    <ul class="chips" aria-label={label}>
      {chips.map((c) => (
        <li key={c.id} class="chip">
          <span>{c.label}</span>
          <button type="button" aria-label={c.removeLabel} title={c.removeLabel} onClick={() => onRemove(c.id)}>
            ×
          </button>
        </li>
      ))}
      {onClear !== undefined && chips.length > 1 ? (
        <li>
          <button type="button" class="link" onClick={onClear}>
            {clearLabel}
          </button>
        </li>
      ) : null}
    </ul>
  );
}
