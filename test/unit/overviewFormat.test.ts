// How the overview writes its numbers and values (web/screens/overview/format.ts), in both languages.
import { describe, expect, it } from 'vitest';
import { makeI18n } from '../../web/i18n.ts';
import { formatChange, formatMetric, formatValue } from '../../web/screens/overview/format.ts';

const en = makeI18n('en');
const ru = makeI18n('ru');

describe('overview format', () => {
  it('a total hidden under k reads "fewer than k"', () => {
    expect(formatMetric(en, 'visitors', null, 5)).toBe('fewer than 5');
    expect(formatMetric(ru, 'bounceRate', null, 2)).toBe('меньше 2');
  });
  it('metrics in the locale: counts, ratios, percents, durations', () => {
    expect(formatMetric(en, 'pageviews', 12345, 2)).toBe('12,345');
    expect(formatMetric(ru, 'pageviews', 12345, 2)).toBe('12\u00a0345');
    expect(formatMetric(en, 'viewsPerVisit', 1.5714, 2)).toBe('1.57');
    expect(formatMetric(ru, 'viewsPerVisit', 1.5714, 2)).toBe('1,57');
    expect(formatMetric(en, 'bounceRate', 71.4, 2)).toBe('71%');
    expect(formatMetric(en, 'visitDuration', 137, 2)).toBe('2 min 17 s');
    expect(formatMetric(ru, 'visitDuration', 42.4, 2)).toBe('42 с');
    expect(formatChange(en, 75)).toBe('+75%');
    expect(formatChange(en, -3.2)).toBe('-3%');
    expect(formatChange(en, 0)).toBe('0%');
  });
  it('values: none, sources, devices, countries by name with their code', () => {
    expect(formatValue(en, 'page', null)).toBe('(none)');
    expect(formatValue(ru, 'utmSource', '')).toBe('(нет)');
    expect(formatValue(en, 'referrerSource', 'search')).toBe('Search');
    expect(formatValue(en, 'referrerSource', 'carrier-pigeon')).toBe('carrier-pigeon');
    expect(formatValue(ru, 'device', 'mobile')).toBe('Телефоны');
    expect(formatValue(en, 'country', 'RU')).toBe('Russia (RU)');
    expect(formatValue(ru, 'country', 'DE')).toBe('Германия (DE)');
    expect(formatValue(en, 'country', 'not a code')).toBe('not a code');
    expect(formatValue(en, 'page', '/pricing')).toBe('/pricing');
  });
});
