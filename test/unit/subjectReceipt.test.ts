// The erasure receipt's lines, in both languages: every field of the answer and of the request, dates with
// their zone in the chosen locale, the count as a number of that locale.
import { describe, expect, it } from 'vitest';
import { makeI18n } from '../../web/i18n.ts';
import { receiptDate, receiptLines } from '../../web/screens/subjects/receiptText.ts';

const RECEIPT = { id: 'er_1f2e', erasedAt: '2026-03-01T10:15:30.250Z', eventsErased: 12345, heldUntil: '2026-08-28T10:15:30.250Z', contact: 'privacy@shop.example' };
const REQUEST = { site: 'shop', cookieId: '1.abc', reason: 'e-mail of 1 March' };

describe('erasure receipt', () => {
  it('lists the receipt and the request in English', () => {
    const i18n = makeI18n('en');
    const lines = receiptLines(i18n, RECEIPT, REQUEST);
    expect(lines.map((l) => l.key)).toEqual(['id', 'site', 'cookie', 'reason', 'erasedAt', 'eventsErased', 'heldUntil', 'contact']);
    const by = Object.fromEntries(lines.map((l) => [l.key, l]));
    expect(by.id).toMatchObject({ label: 'Receipt', value: 'er_1f2e' });
    expect(by.cookie).toMatchObject({ label: 'Cookie id', value: '1.abc' });
    expect(by.reason?.value).toBe('e-mail of 1 March');
    expect(by.eventsErased).toMatchObject({ label: 'Events erased', value: '12,345' });
    expect(by.erasedAt?.value).toBe(new Intl.DateTimeFormat('en', { dateStyle: 'long', timeStyle: 'long' }).format(new Date(RECEIPT.erasedAt)));
    expect(by.erasedAt?.value).toContain('2026');
    expect(by.heldUntil?.value).toContain('2026');
    expect(by.contact?.value).toBe('privacy@shop.example');
  });

  it('is Russian in Russian, and says so when no contact is configured', () => {
    const i18n = makeI18n('ru');
    const by = Object.fromEntries(receiptLines(i18n, { ...RECEIPT, contact: null }, REQUEST).map((l) => [l.key, l]));
    expect(by.eventsErased).toMatchObject({ label: 'Удалено событий', value: new Intl.NumberFormat('ru').format(12345) });
    expect(by.erasedAt?.value).toBe(new Intl.DateTimeFormat('ru', { dateStyle: 'long', timeStyle: 'long' }).format(new Date(RECEIPT.erasedAt)));
    expect(by.erasedAt?.value).toMatch(/марта 2026/);
    expect(by.contact?.value).toBe('оператору (контакт не настроен)');
  });

  it('shows a date it cannot read as it came', () => {
    expect(receiptDate(makeI18n('en'), 'not a date')).toBe('not a date');
  });
});
