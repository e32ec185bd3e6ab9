// The retention report of a site: each table's rows about it, the oldest, and how long they are kept.
import { useEffect, useState } from 'preact/hooks';
import { useI18n } from '../../i18n.ts';
import { navigate } from '../../route.ts';
import { apiErrorText } from '../../ui/apiErrorText.ts';
import { CodeText } from '../../ui/CodeText.tsx';
import { Field } from '../../ui/Field.tsx';
import type { ScreenProps } from '../registry.ts';
import { listSites, retentionReport } from './queries.ts';
import { useLoad } from './useLoad.ts';

export function RetentionPanel({ params }: ScreenProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const sites = useLoad(listSites);
  const [site, setSite] = useState(params.get('site') ?? '');
  // The first site is the default once the list is in.
  useEffect(() => {
    const first = sites.value?.[0]?.id;
    if (site === '' && first !== undefined) setSite(first);
  }, [sites.value]);
  const language = i18n.locale === 'ru' ? 'RU' : 'EN';
  const report = useLoad(() => (site === '' ? Promise.resolve([]) : retentionReport(site, language)), [site, language]);
  const choose = (id: string) => {
    setSite(id);
    navigate('admin', { tab: 'retention', site: id }, true);
  };
  return (
    <section aria-labelledby="retention-title">
      <h2 id="retention-title">{t('admin.retention.title')}</h2>
      <p class="hint">{t('admin.retention.hint')}</p>
      {sites.error === undefined ? null : (
        <p role="alert" class="error">
          {apiErrorText(i18n, sites.error)}
        </p>
      )}
      {sites.value !== undefined && sites.value.length === 0 ? <p>{t('admin.sites.none')}</p> : null}
      {sites.value === undefined || sites.value.length === 0 ? null : (
        <Field id="retention-site" label={t('admin.retention.site')}>
          {(c) => (
            <select {...c} value={site} onChange={(e) => choose(e.currentTarget.value)}>
              {sites.value!.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name} ({s.id})
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {report.error === undefined ? null : (
        <p role="alert" class="error">
          {apiErrorText(i18n, report.error)}
        </p>
      )}
      {report.value === undefined || report.value.length === 0 ? null : (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="retention-title">
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">{t('admin.retention.table')}</th>
                <th scope="col">{t('admin.retention.rows')}</th>
                <th scope="col">{t('admin.retention.oldest')}</th>
                <th scope="col">{t('admin.retention.policy')}</th>
              </tr>
            </thead>
            <tbody>
              {report.value.map((r) => (
                <tr key={r.table}>
                  <th scope="row">
                    <code>{r.table}</code>
                  </th>
                  <td data-label={t('admin.retention.rows')} class="num">{i18n.number(r.rows)}</td>
                  <td data-label={t('admin.retention.oldest')}>{r.oldest === null ? t('admin.retention.empty') : i18n.date(new Date(r.oldest), { dateStyle: 'medium', timeStyle: 'short' })}</td>
                  <td data-label={t('admin.retention.policy')}>
                    <CodeText text={r.policy} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
