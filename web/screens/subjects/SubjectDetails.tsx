// What is held about one cookie: its consent now, the legal-hold flag, segments, the downloads, then the
// consent log and events; below them the two requests support acts on (consent, erasure).
import { saveBlobFile } from '../../ui/saveBlobFile.ts';
import { useI18n } from '../../i18n.ts';
import { ConsentEditor } from './ConsentEditor.tsx';
import { ConsentLogTable } from './ConsentLogTable.tsx';
import { ConsentView } from './ConsentView.tsx';
import { EraseForm } from './EraseForm.tsx';
import { EventsTable } from './EventsTable.tsx';
import type { ErasureRequest } from './receiptText.ts';
import type { ConsentFlags, ErasureReceipt, SubjectExport } from './subjectApi.ts';
import { subjectCsvFile, subjectJsonFile } from './subjectFiles.ts';

export interface Lookup {
  site: string;
  cookieId: string;
  /** The consent in force: the recorded one, else the site's default. */
  consent: ConsentFlags;
  exp: SubjectExport;
}

export function SubjectDetails(p: { lookup: Lookup; onReload: () => void; onErased: (r: ErasureReceipt, req: ErasureRequest) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { site, cookieId, consent, exp } = p.lookup;
  return (
    <article class="subject" aria-labelledby="subjects-found-title">
      <h2 id="subjects-found-title">{t('subjects.found.title', { cookie: cookieId, site })}</h2>
      <div class="subject-summary">
        <section aria-labelledby="subjects-consent-title">
          <h3 id="subjects-consent-title">{t('subjects.consent.title')}</h3>
          <ConsentView consent={consent} />
          {exp.consent === null ? <p class="hint">{t('subjects.consent.default')}</p> : null}
        </section>
        <section aria-labelledby="subjects-held-title">
          <h3 id="subjects-held-title">{t('subjects.held.title')}</h3>
          <p data-testid="legal-hold-flag">{t(exp.legalHold ? 'subjects.held.yes' : 'subjects.held.no')}</p>
          <h3>{t('subjects.segments.title', { count: i18n.number(exp.segments.length) })}</h3>
          {exp.segments.length === 0 ? <p>{t('subjects.segments.none')}</p> : <ul class="segments">{exp.segments.map((s) => <li key={s}><code>{s}</code></li>)}</ul>}
        </section>
        <section aria-labelledby="subjects-download-title">
          <h3 id="subjects-download-title">{t('subjects.download.title')}</h3>
          <p class="hint">{t('subjects.download.hint')}</p>
          <div class="actions">
            <button type="button" onClick={() => saveBlobFile(subjectJsonFile(site, exp))}>{t('subjects.download.json')}</button>
            <button type="button" onClick={() => saveBlobFile(subjectCsvFile(site, exp))}>{t('subjects.download.csv')}</button>
          </div>
        </section>
      </div>
      <ConsentLogTable log={exp.consentLog} id="subjects-log-title" />
      <EventsTable events={exp.events} id="subjects-events-title" />
      <ConsentEditor site={site} cookieId={cookieId} current={consent} onChanged={p.onReload} />
      <EraseForm site={site} cookieId={cookieId} events={exp.events.length} onErased={p.onErased} />
    </article>
  );
}
