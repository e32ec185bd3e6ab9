// The consent log: every change with its time, source and the flags before and after (152-FZ art. 9).
import { useI18n } from '../../i18n.ts';
import { consentWords } from './ConsentView.tsx';
import type { ConsentChange } from './subjectApi.ts';
import { dateTime } from './EventsTable.tsx';

export function ConsentLogTable({ log, id }: { log: readonly ConsentChange[]; id: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <section aria-labelledby={id}>
      <h3 id={id}>{t('subjects.log.title', { count: i18n.number(log.length) })}</h3>
      {log.length === 0 ? (
        <p>{t('subjects.log.empty')}</p>
      ) : (
        <div class="table-scroll" tabindex={0} role="region" aria-labelledby={id}>
          <table>
            <thead>
              <tr><th scope="col">{t('subjects.col.time')}</th><th scope="col">{t('subjects.log.source')}</th><th scope="col">{t('subjects.log.before')}</th><th scope="col">{t('subjects.log.after')}</th></tr>
            </thead>
            <tbody>
              {log.map((c, i) => (
                <tr key={i}>
                  <td>{dateTime(i18n, c.time)}</td>
                  <td>{c.source}</td>
                  <td>{c.before === null ? t('subjects.log.noneBefore') : consentWords(i18n, c.before)}</td>
                  <td>{consentWords(i18n, c.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
