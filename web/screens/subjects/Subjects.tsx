// Subject requests (SUBJECT_REQUEST, issue 13 screen 3): support looks a cookie up on one of the key's
// sites, downloads what is held, changes its consent or erases it and hands the user the receipt.
// NOTE: the cookie id stays in the page's state, never in the URL (history, logs, a shared link).
import { useState } from 'preact/hooks';
import { navigate } from '../../route.ts';
import { useI18n } from '../../i18n.ts';
import type { ScreenProps } from '../registry.ts';
import { errorAt, errorElsewhere } from './fieldErrors.ts';
import type { ErasureRequest } from './receiptText.ts';
import { ReceiptView } from './ReceiptView.tsx';
import { lookUpSubject, type ErasureReceipt } from './subjectApi.ts';
import { SubjectDetails, type Lookup } from './SubjectDetails.tsx';
import { CookieField, defaultSite, SiteField } from './SubjectFields.tsx';
import './subjects.css';

const FIELDS = ['site', 'cookieId'] as const;

export function Subjects({ session, params }: ScreenProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [site, setSite] = useState(() => defaultSite(session, params.get('site')));
  const [cookie, setCookie] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [lookup, setLookup] = useState<Lookup>();
  const [receipt, setReceipt] = useState<{ receipt: ErasureReceipt; request: ErasureRequest }>();

  const load = (s: string, c: string) => {
    setBusy(true);
    setError(undefined);
    lookUpSubject(s, c).then(
      (r) => {
        setBusy(false);
        // consent() is null only for a site that vanished between the two reads; show none set then.
        setLookup({ site: s, cookieId: c, consent: r.consent ?? { statistics: false, personalization: false, advertising: false, thirdParty: false }, exp: r.exportSubject });
      },
      (err: unknown) => (setBusy(false), setLookup(undefined), setError(err)),
    );
  };
  const submit = (e: Event) => {
    e.preventDefault();
    setReceipt(undefined);
    load(site, cookie.trim());
  };
  const chooseSite = (s: string) => {
    setSite(s);
    setLookup(undefined);
    navigate('subjects', s === '' ? {} : { site: s }, true);
  };

  return (
    <section class={`subjects${receipt === undefined ? '' : ' has-receipt'}`} aria-labelledby="subjects-title">
      <h1 id="subjects-title">{t('nav.subjects')}</h1>
      <p class="intro">{t('subjects.intro')}</p>
      <form class="subject-lookup" onSubmit={submit} aria-label={t('subjects.lookup.name')}>
        <SiteField id="subjects-site" session={session} value={site} onChange={chooseSite} error={errorAt(i18n, error, 'site')} />
        <CookieField id="subjects-cookie" value={cookie} onChange={setCookie} error={errorAt(i18n, error, 'cookieId')} />
        <button type="submit" class="primary" disabled={busy}>{busy ? t('app.loading') : t('subjects.lookup.submit')}</button>
      </form>
      {errorElsewhere(i18n, error, FIELDS) === undefined ? null : <p role="alert" class="error">{t('error.generic', { message: errorElsewhere(i18n, error, FIELDS) ?? '' })}</p>}
      {receipt === undefined ? null : <ReceiptView receipt={receipt.receipt} request={receipt.request} onDone={() => setReceipt(undefined)} />}
      {lookup === undefined ? null : (
        <SubjectDetails
          // Another cookie starts with fresh forms (no reason or "saved" note carried over from the last one).
          key={`${lookup.site}\n${lookup.cookieId}`}
          lookup={lookup}
          onReload={() => load(lookup.site, lookup.cookieId)}
          onErased={(r, request) => (setLookup(undefined), setReceipt({ receipt: r, request }))}
        />
      )}
    </section>
  );
}
