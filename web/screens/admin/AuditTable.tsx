// One page of the audit log. Keys are shown by name where this key may list them.
import { useI18n } from '../../i18n.ts';
import type { ApiKey, AuditEntry } from './queries.ts';

export function AuditTable({ rows, keys }: { rows: AuditEntry[]; keys: ApiKey[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  const names = new Map(keys.map((k) => [k.id, k.name]));
  const outcome = (o: string) => (o === 'allowed' || o === 'denied' || o === 'error' ? t(`admin.outcome.${o}`) : o);
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="audit-title">
      <table class="audit stack">
        <thead>
          <tr>
            <th scope="col">{t('admin.audit.time')}</th>
            <th scope="col">{t('admin.audit.key')}</th>
            <th scope="col">{t('admin.audit.purpose')}</th>
            <th scope="col">{t('admin.audit.operation')}</th>
            <th scope="col">{t('admin.audit.sites')}</th>
            <th scope="col">{t('admin.audit.outcome')}</th>
            <th scope="col">{t('admin.audit.rows')}</th>
            <th scope="col">{t('admin.audit.duration')}</th>
            <th scope="col">{t('admin.audit.detail')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={`${r.time}-${i}`} class={`outcome-${r.outcome}`}>
              <td data-label={t('admin.audit.time')}>
                <time dateTime={r.time}>{i18n.date(new Date(r.time), { dateStyle: 'short', timeStyle: 'medium' })}</time>
              </td>
              <td data-label={t('admin.audit.key')}>{r.keyId === '' ? t('admin.audit.noKey') : r.keyId === 'admin' ? t('admin.audit.adminKey') : (names.get(r.keyId) ?? r.keyId)}</td>
              <td data-label={t('admin.audit.purpose')}>{r.purpose}</td>
              <td data-label={t('admin.audit.operation')}>
                {r.operation}
                <br />
                <span class="muted">{r.fields.join(', ')}</span>
              </td>
              <td data-label={t('admin.audit.sites')}>{r.sites.join(', ')}</td>
              <td data-label={t('admin.audit.outcome')}>
                {outcome(r.outcome)}
                {r.code === null ? null : <code class="muted"> {r.code}</code>}
              </td>
              <td data-label={t('admin.audit.rows')} class="num">{i18n.number(r.rows)}</td>
              <td data-label={t('admin.audit.duration')} class="num">{t('admin.ms', { n: i18n.number(r.durationMs) })}</td>
              <td data-label={t('admin.audit.detail')}>{r.detail ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
