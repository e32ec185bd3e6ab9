// How a segment's size and refresh time read in the page's language.
import type { I18n } from '../../i18n.ts';
import type { Segment } from './segmentsApi.ts';

export function sizeText(i18n: I18n, s: Pick<Segment, 'size' | 'refreshedAt'>): string {
  if (s.size !== null) return i18n.number(s.size);
  // Null: before the first refresh, or below the site's k (the API does not say which number).
  return s.refreshedAt === null ? i18n.t('segments.size.none') : i18n.t('segments.size.hidden');
}

export function whenText(i18n: I18n, iso: string | null): string {
  return iso === null ? i18n.t('segments.never') : i18n.date(new Date(iso), { dateStyle: 'medium', timeStyle: 'short' });
}
