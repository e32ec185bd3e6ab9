// The privacy page (policy 8.1): the operator's contact and the record of processing, from privacyNotice
// in the chosen language. Open to every signed-in key: any purpose may read it (no personal data).
import type { Purpose } from '../../api.ts';
import { graphql } from '../../api.ts';
import { useI18n } from '../../i18n.ts';
import { apiErrorText } from '../../ui/apiErrorText.ts';
import { CodeText } from '../../ui/CodeText.tsx';
import { useLoad } from '../admin/useLoad.ts';

interface Notice {
  contact: string | null;
  records: Array<{ table: string; holds: string; kept: string; why: string }>;
}

export function PrivacyNotice({ purpose, headingLevel = 2 }: { purpose: Purpose; headingLevel?: 1 | 2 }) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const notice = useLoad(
    () =>
      graphql<{ privacyNotice: Notice }>(purpose, 'query PrivacyNotice($language: NoticeLanguage) { privacyNotice(language: $language) { contact records { table holds kept why } } }', {
        language: locale === 'ru' ? 'RU' : 'EN',
      }).then((d) => d.privacyNotice),
    [locale, purpose],
  );
  const Heading = headingLevel === 1 ? 'h1' : 'h2';
  return (
    <section class="privacy" aria-labelledby="privacy-title">
      <Heading id="privacy-title">{t('privacy.title')}</Heading>
      <p>{t('privacy.intro')}</p>
      {notice.error === undefined ? null : (
        <p role="alert" class="error">
          {apiErrorText(i18n, notice.error)}
        </p>
      )}
      {notice.value === undefined ? (
        notice.loading ? <p class="loading">{t('app.loading')}</p> : null
      ) : (
        <>
          <h3>{t('privacy.contact')}</h3>
          <p>{notice.value.contact === null ? t('privacy.noContact') : <a href={`mailto:${notice.value.contact}`}>{notice.value.contact}</a>}</p>
          <h3 id="privacy-record">{t('privacy.record')}</h3>
          <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="privacy-record">
            <table class="record stack">
              <thead>
                <tr>
                  <th scope="col">{t('privacy.table')}</th>
                  <th scope="col">{t('privacy.holds')}</th>
                  <th scope="col">{t('privacy.kept')}</th>
                  <th scope="col">{t('privacy.why')}</th>
                </tr>
              </thead>
              <tbody>
                {notice.value.records.map((r) => (
                  <tr key={r.table}>
                    <th scope="row">
                      <CodeText text={r.table} />
                    </th>
                    <td data-label={t('privacy.holds')}>
                      <CodeText text={r.holds} />
                    </td>
                    <td data-label={t('privacy.kept')}>
                      <CodeText text={r.kept} />
                    </td>
                    <td data-label={t('privacy.why')}>
                      <CodeText text={r.why} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="hint">{t('privacy.nothingRaw')}</p>
        </>
      )}
    </section>
  );
}
