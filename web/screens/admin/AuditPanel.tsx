// The audit log: one row per operation, allowed or denied; filters by key, purpose, outcome and UTC days;
// pages of PAGE_SIZE under a `to` pinned when the filters were applied.
import { useState } from 'preact/hooks';
import { useI18n } from '../../i18n.ts';
import { navigate } from '../../route.ts';
import { apiErrorText, fieldOf } from '../../ui/apiErrorText.ts';
import type { ScreenProps } from '../registry.ts';
import { AuditFilterForm } from './AuditFilterForm.tsx';
import { AuditTable } from './AuditTable.tsx';
import { auditQuery, filtersFrom, filtersParams, PAGE_SIZE, type AuditFilters } from './auditFilters.ts';
import { auditLog, listKeys } from './queries.ts';
import { useLoad } from './useLoad.ts';

export function AuditPanel({ params }: ScreenProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const filters = filtersFrom(params);
  const [pinned, setPinned] = useState(() => Date.now());
  const keys = useLoad(listKeys);
  const query = auditQuery(filters, pinned);
  const rows = useLoad(() => auditLog(query), [JSON.stringify(query)]);
  const show = (f: AuditFilters) => navigate('admin', filtersParams(f), true);
  const apply = (f: AuditFilters) => {
    setPinned(Date.now());
    show({ ...f, page: 0 });
  };
  const page = rows.value?.slice(0, PAGE_SIZE) ?? [];
  const more = (rows.value?.length ?? 0) > PAGE_SIZE;
  const field = fieldOf(rows.error);

  return (
    <section aria-labelledby="audit-title" aria-busy={rows.loading}>
      <h2 id="audit-title">{t('admin.audit.title')}</h2>
      <AuditFilterForm initial={filters} keys={keys.value ?? []} error={rows.error} onApply={apply} />
      {rows.error !== undefined && field === undefined ? (
        <p role="alert" class="error">
          {apiErrorText(i18n, rows.error)}
        </p>
      ) : null}
      <p role="status" class="notice">
        {rows.loading ? t('app.loading') : rows.error === undefined ? t('admin.audit.showing', { from: i18n.number(filters.page * PAGE_SIZE + (page.length === 0 ? 0 : 1)), to: i18n.number(filters.page * PAGE_SIZE + page.length) }) : ''}
      </p>
      {rows.value === undefined ? null : page.length === 0 ? <p>{t('admin.audit.none')}</p> : <AuditTable rows={page} keys={keys.value ?? []} />}
      <nav class="pager" aria-label={t('admin.audit.pages')}>
        <button type="button" disabled={filters.page === 0 || rows.loading} onClick={() => show({ ...filters, page: filters.page - 1 })}>
          {t('admin.audit.newer')}
        </button>
        <span>{t('admin.audit.page', { n: i18n.number(filters.page + 1) })}</span>
        <button type="button" disabled={!more || rows.loading} onClick={() => show({ ...filters, page: filters.page + 1 })}>
          {t('admin.audit.older')}
        </button>
      </nav>
    </section>
  );
}
