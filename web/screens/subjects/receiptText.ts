// The erasure receipt as labelled lines, in the chosen language, for the screen and for print. Pure.
import type { I18n, MessageKey } from '../../i18n.ts';
import type { ErasureReceipt } from './subjectApi.ts';

export interface ReceiptLine {
  key: string;
  label: string;
  value: string;
}

/** What the erasure was asked for: the receipt names it, so a printed copy stands on its own. */
export interface ErasureRequest {
  site: string;
  cookieId: string;
  reason: string;
}

/** Date and time with the zone: a receipt is read later, elsewhere. */
export function receiptDate(i18n: I18n, iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : i18n.date(d, { dateStyle: 'long', timeStyle: 'long' });
}

export function receiptLines(i18n: I18n, receipt: ErasureReceipt, request: ErasureRequest): ReceiptLine[] {
  const line = (key: string, label: MessageKey, value: string): ReceiptLine => ({ key, label: i18n.t(label), value });
  return [
    line('id', 'subjects.receipt.id', receipt.id),
    line('site', 'subjects.receipt.site', request.site),
    line('cookie', 'subjects.receipt.cookie', request.cookieId),
    line('reason', 'subjects.receipt.reason', request.reason),
    line('erasedAt', 'subjects.receipt.erasedAt', receiptDate(i18n, receipt.erasedAt)),
    line('eventsErased', 'subjects.receipt.eventsErased', i18n.number(receipt.eventsErased)),
    line('heldUntil', 'subjects.receipt.heldUntil', receiptDate(i18n, receipt.heldUntil)),
    line('contact', 'subjects.receipt.contact', receipt.contact ?? i18n.t('subjects.receipt.noContact')),
  ];
}
