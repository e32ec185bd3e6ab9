// An ad partner's file (exportSegment): the recipient, the count, and the ids to download. Only cookies
// whose current consent allows advertising and third-party transfer are in it (policy 3.3.1), said here.
import { useState } from 'preact/hooks';
import { ApiFailure } from '../../api.ts';
import { useI18n } from '../../i18n.ts';
import { apiErrorText } from '../../ui/apiErrorText.ts';
import { saveBlobFile } from '../../ui/saveBlobFile.ts';
import { exportSegment, type Segment, type SegmentExport as Exported } from './segmentsApi.ts';

function download(e: Exported): void {
  saveBlobFile({ name: `${e.segment}-${e.recipient.replace(/[^\w.-]+/g, '_')}-${e.version}.txt`, type: 'text/plain', content: `${e.ids.join('\n')}\n` });
}

export function SegmentExport({ segment }: { segment: Segment }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [recipient, setRecipient] = useState('');
  const [result, setResult] = useState<Exported>();
  const [error, setError] = useState<{ field?: string; message: string }>();
  const [busy, setBusy] = useState(false);
  const run = (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    exportSegment(segment.id, recipient).then(
      (r) => (setBusy(false), setResult(r)),
      (err: Error) => {
        const field = err instanceof ApiFailure ? err.field : undefined;
        setBusy(false);
        setError({ field, message: apiErrorText(i18n, err, { atField: field === 'recipient' }) });
      },
    );
  };
  const recipientFault = error?.field === 'recipient' ? error.message : undefined;
  return (
    <section aria-labelledby="seg-export-title" class="seg-panel-body">
      <h2 id="seg-export-title">{t('segments.export.title', { name: segment.name })}</h2>
      <p class="seg-note" id="seg-export-note">{t('segments.export.note')}</p>
      <form class="seg-row" onSubmit={run}>
        <div class="rb-field">
          <label for="seg-export-recipient">{t('segments.export.recipient')}</label>
          <input
            id="seg-export-recipient"
            value={recipient}
            required
            maxLength={200}
            aria-invalid={recipientFault === undefined ? undefined : 'true'}
            aria-describedby={recipientFault === undefined ? 'seg-export-note' : 'seg-export-note seg-export-err'}
            onInput={(e) => setRecipient((e.currentTarget as HTMLInputElement).value)}
          />
          {recipientFault === undefined ? null : <p id="seg-export-err" class="error">{recipientFault}</p>}
        </div>
        <button type="submit" disabled={busy}>{busy ? t('segments.busy') : t('segments.export.run')}</button>
      </form>
      <div role="status">
        {result === undefined ? null : (
          <>
            <p class="seg-big">{t('segments.export.result', { count: i18n.number(result.ids.length), recipient: result.recipient, version: result.version })}</p>
            <button type="button" onClick={() => download(result)}>{t('segments.export.download')}</button>
          </>
        )}
      </div>
      {error === undefined || recipientFault !== undefined ? null : <p class="error" role="alert">{error.message}</p>}
    </section>
  );
}
