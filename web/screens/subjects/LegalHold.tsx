// Legal hold (LEGAL_OBLIGATION, issue 13 screen 3): the held copy of an erased cookie's data, for a
// hand-over to a state body; the legal basis is required and the server logs it as a transfer.
import { useState } from 'preact/hooks';
import { saveBlobFile } from '../../ui/saveBlobFile.ts';
import { navigate } from '../../route.ts';
import { useI18n } from '../../i18n.ts';
import type { ScreenProps } from '../registry.ts';
import { ConsentLogTable } from './ConsentLogTable.tsx';
import { consentWords } from './ConsentView.tsx';
import { dateTime, EventsTable } from './EventsTable.tsx';
import { errorAt, errorElsewhere } from './fieldErrors.ts';
import { fetchLegalHold, type LegalHoldRecord } from './subjectApi.ts';
import { legalHoldJsonFile } from './subjectFiles.ts';
import { CookieField, defaultSite, FieldError, SiteField } from './SubjectFields.tsx';
import './subjects.css';

const FIELDS = ['site', 'cookieId', 'basis'] as const;

interface Answer {
  site: string;
  cookieId: string;
  basis: string;
  held: LegalHoldRecord | null;
}

export function LegalHold({ session, params }: ScreenProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [site, setSite] = useState(() => defaultSite(session, params.get('site')));
  const [cookie, setCookie] = useState('');
  const [basis, setBasis] = useState('');
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [answer, setAnswer] = useState<Answer>();

  const submit = (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setAnswer(undefined);
    if (basis.trim() === '') return void setMissing(true);
    setMissing(false);
    setBusy(true);
    const q = { site, cookieId: cookie.trim(), basis: basis.trim() };
    fetchLegalHold(q.site, q.cookieId, q.basis).then(
      (held) => (setBusy(false), setAnswer({ ...q, held })),
      (err: unknown) => (setBusy(false), setError(err)),
    );
  };
  const basisError = missing ? t('subjects.hold.basisRequired') : errorAt(i18n, error, 'basis');
  const other = errorElsewhere(i18n, error, FIELDS);
  const held = answer?.held;

  return (
    <section class="subjects" aria-labelledby="hold-title">
      <h1 id="hold-title">{t('subjects.nav.legalHold')}</h1>
      <p class="intro">{t('subjects.hold.intro')}</p>
      <form class="subject-lookup" onSubmit={submit} noValidate aria-label={t('subjects.hold.formName')}>
        <SiteField id="hold-site" session={session} value={site} onChange={(s) => (setSite(s), navigate('legalhold', s === '' ? {} : { site: s }, true))} error={errorAt(i18n, error, 'site')} />
        <CookieField id="hold-cookie" value={cookie} onChange={setCookie} error={errorAt(i18n, error, 'cookieId')} />
        <div class="field wide">
          <label for="hold-basis">{t('subjects.hold.basis')}</label>
          <input
            id="hold-basis"
            name="basis"
            type="text"
            required
            maxLength={500}
            autocomplete="off"
            value={basis}
            aria-invalid={basisError !== undefined}
            aria-describedby={basisError === undefined ? 'hold-basis-hint' : 'hold-basis-hint hold-basis-error'}
            onInput={(e) => setBasis(e.currentTarget.value)}
          />
          <p id="hold-basis-hint" class="hint">{t('subjects.hold.basisHint')}</p>
          <FieldError id="hold-basis-error" message={basisError} />
        </div>
        <button type="submit" class="primary" disabled={busy}>{busy ? t('app.loading') : t('subjects.hold.submit')}</button>
      </form>
      {other === undefined ? null : <p role="alert" class="error">{t('error.generic', { message: other })}</p>}
      {answer === undefined ? null : held == null ? (
        <p role="status" class="subject-empty">{t('subjects.hold.none', { cookie: answer.cookieId, site: answer.site })}</p>
      ) : (
        <article class="subject" aria-labelledby="hold-found-title">
          <h2 id="hold-found-title">{t('subjects.hold.found', { cookie: answer.cookieId, site: answer.site })}</h2>
          <div class="actions">
            <button type="button" class="primary" onClick={() => saveBlobFile(legalHoldJsonFile(answer.site, answer.basis, held))}>{t('subjects.hold.download')}</button>
          </div>
          <section aria-labelledby="hold-erasures-title">
            <h3 id="hold-erasures-title">{t('subjects.hold.erasures')}</h3>
            <div class="table-scroll" tabindex={0} role="region" aria-labelledby="hold-erasures-title">
              <table>
                <thead>
                  <tr><th scope="col">{t('subjects.receipt.id')}</th><th scope="col">{t('subjects.receipt.erasedAt')}</th><th scope="col">{t('subjects.receipt.heldUntil')}</th><th scope="col">{t('subjects.receipt.reason')}</th></tr>
                </thead>
                <tbody>
                  {held.erasures.map((x) => (
                    <tr key={x.id}><td><code>{x.id}</code></td><td>{dateTime(i18n, x.erasedAt)}</td><td>{dateTime(i18n, x.heldUntil)}</td><td class="wrap">{x.reason}</td></tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <p>{t('subjects.hold.consentThen')}: <strong>{consentWords(i18n, held.consent)}</strong></p>
          <p>{t('subjects.segments.title', { count: i18n.number(held.segments.length) })}{held.segments.length === 0 ? '' : `: ${held.segments.join(', ')}`}</p>
          <ConsentLogTable log={held.consentLog} id="hold-log-title" />
          <EventsTable events={held.events} id="hold-events-title" />
        </article>
      )}
    </section>
  );
}
