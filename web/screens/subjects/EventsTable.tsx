// The events held, as stored (reduced), paged in the page: the export itself has them all.
import { ClientPager, usePaged } from '../../ui/ClientPager.tsx';
import { useI18n, type I18n } from '../../i18n.ts';
import { consentWords } from './ConsentView.tsx';
import type { SubjectEvent } from './subjectApi.ts';

const PAGE_SIZE = 20;

export function dateTime(i18n: I18n, iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : i18n.date(d, { dateStyle: 'medium', timeStyle: 'medium' });
}

const join = (...parts: string[]) => parts.filter((p) => p !== '').join(' · ') || '—';

export function EventsTable({ events, id }: { events: readonly SubjectEvent[]; id: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const paged = usePaged(events, PAGE_SIZE);
  return (
    <section aria-labelledby={id}>
      <h3 id={id}>{t('subjects.events.title', { count: i18n.number(events.length) })}</h3>
      {events.length === 0 ? (
        <p>{t('subjects.events.empty')}</p>
      ) : (
        <>
          <div class="table-scroll" tabindex={0} role="region" aria-labelledby={id}>
            <table class="subject-events">
              <thead>
                <tr>
                  <th scope="col">{t('subjects.col.time')}</th>
                  <th scope="col">{t('subjects.col.type')}</th>
                  <th scope="col">{t('subjects.col.page')}</th>
                  <th scope="col">{t('subjects.col.source')}</th>
                  <th scope="col">{t('subjects.col.device')}</th>
                  <th scope="col">{t('subjects.col.place')}</th>
                  <th scope="col">{t('subjects.col.consent')}</th>
                </tr>
              </thead>
              <tbody>
                {paged.rows.map((e, i) => (
                  <tr key={`${paged.page}-${i}`}>
                    <td>{dateTime(i18n, e.time)}</td>
                    <td>{e.type === 'pageview' ? t('subjects.type.pageview') : join(e.type === 'event' ? t('subjects.type.event') : e.type, e.name)}{e.bot ? ` (${t('subjects.bot')})` : ''}</td>
                    <td class="wrap">{e.host}{e.path}</td>
                    <td>{join(e.referrerSource, e.referrerHost, e.utmSource, e.utmMedium, e.utmCampaign)}</td>
                    <td>{join(e.browser, e.os, e.device)}</td>
                    <td>{join(e.country, e.region)}</td>
                    <td class="flags">{consentWords(i18n, e.consent)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ClientPager
            paged={paged}
            labels={{
              name: t('subjects.events.pages'),
              prev: t('subjects.page.prev'),
              next: t('subjects.page.next'),
              status: t('subjects.page.status', { page: i18n.number(paged.page + 1), pages: i18n.number(paged.pageCount) }),
            }}
          />
        </>
      )}
    </section>
  );
}
