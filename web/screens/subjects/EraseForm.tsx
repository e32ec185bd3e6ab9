// Erasure: the reason is required (it is kept in the audit log); a confirmation names the cookie before
// anything is erased. The answer is the receipt.
import { useState } from 'preact/hooks';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { useI18n } from '../../i18n.ts';
import { errorAt, errorElsewhere } from './fieldErrors.ts';
import { eraseSubject, type ErasureReceipt } from './subjectApi.ts';
import { FieldError } from './SubjectFields.tsx';
import type { ErasureRequest } from './receiptText.ts';

export function EraseForm(p: { site: string; cookieId: string; events: number; onErased: (r: ErasureReceipt, req: ErasureRequest) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [missing, setMissing] = useState(false);

  const submit = (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (reason.trim() === '') return void setMissing(true);
    setMissing(false);
    setConfirming(true);
  };
  const erase = () => {
    setConfirming(false);
    setBusy(true);
    const req = { site: p.site, cookieId: p.cookieId, reason: reason.trim() };
    eraseSubject(req.site, req.cookieId, req.reason).then(
      (r) => (setBusy(false), p.onErased(r, req)),
      (err: unknown) => (setBusy(false), setError(err)),
    );
  };
  const reasonError = missing ? t('subjects.erase.reasonRequired') : errorAt(i18n, error, 'reason');

  return (
    <section class="erase" aria-labelledby="subjects-erase-title">
      <h3 id="subjects-erase-title">{t('subjects.erase.title')}</h3>
      <p>{t('subjects.erase.intro')}</p>
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="subjects-reason">{t('subjects.erase.reason')}</label>
          <textarea
            id="subjects-reason"
            name="reason"
            rows={3}
            maxLength={500}
            required
            value={reason}
            aria-invalid={reasonError !== undefined}
            aria-describedby={reasonError === undefined ? 'subjects-reason-hint' : 'subjects-reason-hint subjects-reason-error'}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
          <p id="subjects-reason-hint" class="hint">{t('subjects.erase.reasonHint')}</p>
          <FieldError id="subjects-reason-error" message={reasonError} />
        </div>
        <button type="submit" class="danger" disabled={busy}>{busy ? t('subjects.erase.busy') : t('subjects.erase.submit')}</button>
        {error === undefined ? null : errorElsewhere(i18n, error, ['reason']) === undefined ? null : <p role="alert" class="error">{errorElsewhere(i18n, error, ['reason'])}</p>}
      </form>
      <ConfirmModal
        open={confirming}
        danger
        title={t('subjects.erase.confirmTitle', { cookie: p.cookieId })}
        confirmLabel={t('subjects.erase.confirm', { cookie: p.cookieId })}
        cancelLabel={t('subjects.cancel')}
        onConfirm={erase}
        onCancel={() => setConfirming(false)}
      >
        <p>{t('subjects.erase.confirmText', { cookie: p.cookieId, site: p.site, events: i18n.number(p.events) })}</p>
        <p>{t('subjects.erase.reason')}: <q>{reason.trim()}</q></p>
      </ConfirmModal>
    </section>
  );
}
