// The erasure receipt: on screen and, with the print stylesheet, alone on paper.
import { useEffect, useRef } from 'preact/hooks';
import { useI18n } from '../../i18n.ts';
import { receiptLines, type ErasureRequest } from './receiptText.ts';
import type { ErasureReceipt } from './subjectApi.ts';

export function ReceiptView(p: { receipt: ErasureReceipt; request: ErasureRequest; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const ref = useRef<HTMLElement>(null);
  // The receipt replaces the form that made it: focus follows, so a screen reader reads it next.
  useEffect(() => ref.current?.focus(), [p.receipt.id]);
  return (
    <section class="subject-receipt" aria-labelledby="subjects-receipt-title" tabindex={-1} ref={ref}>
      <h2 id="subjects-receipt-title">{t('subjects.receipt.title')}</h2>
      <p>{t('subjects.receipt.intro')}</p>
      <dl>
        {receiptLines(i18n, p.receipt, p.request).map((l) => (
          <div key={l.key} data-line={l.key}>
            <dt>{l.label}</dt>
            <dd>{l.value}</dd>
          </div>
        ))}
      </dl>
      <p class="receipt-note">{t('subjects.receipt.note')}</p>
      <div class="actions no-print">
        <button type="button" class="primary" onClick={() => window.print()}>{t('subjects.receipt.print')}</button>
        <button type="button" onClick={p.onDone}>{t('subjects.receipt.done')}</button>
      </div>
    </section>
  );
}
