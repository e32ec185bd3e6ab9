// Changes the cookie's consent on the user's request: four flags, then a confirmation naming the result.
import { useEffect, useState } from 'preact/hooks';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { useI18n } from '../../i18n.ts';
import { consentWords, FLAG_LABEL } from './ConsentView.tsx';
import { errorElsewhere } from './fieldErrors.ts';
import { CONSENT_FLAGS, setConsent, type ConsentFlags } from './subjectApi.ts';

export function ConsentEditor(p: { site: string; cookieId: string; current: ConsentFlags; onChanged: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [flags, setFlags] = useState<ConsentFlags>(p.current);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  useEffect(() => setFlags(p.current), [p.current]);
  const unchanged = CONSENT_FLAGS.every((f) => flags[f] === p.current[f]);

  const save = () => {
    setConfirming(false);
    setBusy(true);
    setError(undefined);
    setConsent(p.site, p.cookieId, flags).then(
      () => (setBusy(false), setSaved(true), p.onChanged()),
      (err: unknown) => (setBusy(false), setError(err)),
    );
  };

  return (
    <section aria-labelledby="subjects-consent-edit">
      <form class="consent-editor" onSubmit={(e) => (e.preventDefault(), setSaved(false), setConfirming(true))}>
        <fieldset>
          <legend id="subjects-consent-edit">{t('subjects.consent.change')}</legend>
          {CONSENT_FLAGS.map((f) => (
            <label key={f} class="check">
              <input type="checkbox" name={f} checked={flags[f]} onChange={(e) => setFlags({ ...flags, [f]: e.currentTarget.checked })} />
              {t(FLAG_LABEL[f])}
            </label>
          ))}
        </fieldset>
        <button type="submit" class="primary" disabled={unchanged || busy}>{t('subjects.consent.save')}</button>
        {saved ? <p role="status" class="ok">{t('subjects.consent.saved')}</p> : null}
        {error === undefined ? null : <p role="alert" class="error">{errorElsewhere(i18n, error, [])}</p>}
      </form>
      <ConfirmModal
        open={confirming}
        title={t('subjects.consent.confirmTitle')}
        confirmLabel={t('subjects.consent.confirm')}
        cancelLabel={t('subjects.cancel')}
        onConfirm={save}
        onCancel={() => setConfirming(false)}
      >
        <p>{t('subjects.consent.confirmText', { cookie: p.cookieId, site: p.site })}</p>
        <p><strong>{consentWords(i18n, flags)}</strong></p>
      </ConfirmModal>
    </section>
  );
}
