// The audit log's filters; an error the API names (`from`, `to`) is shown at that field.
import { useState } from 'preact/hooks';
import { useI18n } from '../../i18n.ts';
import { apiErrorText, fieldOf } from '../../ui/apiErrorText.ts';
import { Field } from '../../ui/Field.tsx';
import type { AuditFilters } from './auditFilters.ts';
import { PURPOSES } from './NewKeyForm.tsx';
import type { ApiKey } from './queries.ts';

const OUTCOMES = ['allowed', 'denied', 'error'] as const;

export function AuditFilterForm({ initial, keys, error, onApply }: { initial: AuditFilters; keys: ApiKey[]; error: unknown; onApply: (f: AuditFilters) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [f, setF] = useState(initial);
  const field = fieldOf(error);
  const errorAt = (name: string) => (field === name ? apiErrorText(i18n, error, { atField: true }) : undefined);
  const set = (k: keyof AuditFilters, v: string) => setF((x) => ({ ...x, [k]: v }));
  return (
    <form
      class="filters"
      aria-label={t('admin.audit.filters')}
      onSubmit={(e) => {
        e.preventDefault();
        onApply(f);
      }}
    >
      <Field id="audit-key" label={t('admin.audit.key')}>
        {(c) => (
          <select {...c} value={f.key} onChange={(e) => set('key', e.currentTarget.value)}>
            <option value="">{t('admin.audit.any')}</option>
            <option value="admin">{t('admin.audit.adminKey')}</option>
            {keys.map((k) => (
              <option key={k.id} value={k.id}>
                {k.name} ({k.id})
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="audit-purpose" label={t('admin.audit.purpose')}>
        {(c) => (
          <select {...c} value={f.purpose} onChange={(e) => set('purpose', e.currentTarget.value)}>
            <option value="">{t('admin.audit.any')}</option>
            {PURPOSES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="audit-outcome" label={t('admin.audit.outcome')}>
        {(c) => (
          <select {...c} value={f.outcome} onChange={(e) => set('outcome', e.currentTarget.value)}>
            <option value="">{t('admin.audit.any')}</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {t(`admin.outcome.${o}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="audit-from" label={t('admin.audit.from')} error={errorAt('from')}>
        {(c) => <input {...c} type="date" required value={f.from} onInput={(e) => set('from', e.currentTarget.value)} />}
      </Field>
      <Field id="audit-to" label={t('admin.audit.to')} error={errorAt('to')}>
        {(c) => <input {...c} type="date" required value={f.to} onInput={(e) => set('to', e.currentTarget.value)} />}
      </Field>
      <div class="actions">
        <button type="submit" class="primary">
          {t('admin.audit.apply')}
        </button>
      </div>
    </form>
  );
}
