// How the overview writes its numbers, in the chosen locale.
import type { I18n, MessageKey } from '../../i18n.ts';
import type { CardMetric } from './query.ts';
import type { DimensionField } from './panels.ts';

/** A card's value; null (a total under the site's k) reads "fewer than k". */
export function formatMetric(i18n: I18n, metric: CardMetric, v: number | null, k: number): string {
  if (v === null) return i18n.t('overview.fewerThanK', { k });
  switch (metric) {
    case 'viewsPerVisit':
      return i18n.number(v, { maximumFractionDigits: 2 });
    case 'bounceRate':
      return i18n.number(v / 100, { style: 'percent', maximumFractionDigits: 0 });
    case 'visitDuration':
      return formatDuration(i18n, v);
    default:
      return i18n.number(v);
  }
}

export function formatDuration(i18n: I18n, seconds: number): string {
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m === 0 ? i18n.t('overview.duration.s', { s }) : i18n.t('overview.duration.ms', { m, s: s % 60 });
}

/** "+12 %", "−3 %", "0 %". */
export function formatChange(i18n: I18n, pct: number): string {
  return i18n.number(pct / 100, { style: 'percent', maximumFractionDigits: 0, signDisplay: 'exceptZero' });
}

const SOURCES: ReadonlySet<string> = new Set(['direct', 'internal', 'search', 'social', 'email', 'other']);
const DEVICES: ReadonlySet<string> = new Set(['desktop', 'mobile', 'tablet', 'other']);
const regionNames = new Map<string, Intl.DisplayNames>();

/** "Russia (RU)" / "Россия (RU)"; the code alone where the browser has no name for it. */
function countryName(locale: string, code: string): string {
  let names = regionNames.get(locale);
  if (names === undefined) regionNames.set(locale, (names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' })));
  try {
    const name = names.of(code);
    return name === undefined ? code : `${name} (${code})`;
  } catch {
    return code; // not a well-formed region code
  }
}

/** A dimension's value as a panel shows it; null is "(none)" (a hit without a referrer, a UTM tag…). */
export function formatValue(i18n: I18n, dimension: DimensionField, v: string | null): string {
  if (v === null || v === '') return i18n.t('overview.none');
  if (dimension === 'referrerSource' && SOURCES.has(v)) return i18n.t(`overview.source.${v}` as MessageKey);
  if (dimension === 'device' && DEVICES.has(v)) return i18n.t(`overview.device.${v}` as MessageKey);
  if (dimension === 'country') return countryName(i18n.locale, v);
  return v;
}

/** A bucket start as the axis and the table write it. */
export function formatBucket(i18n: I18n, bucket: string, short = false): string {
  const hour = bucket.length > 10;
  // The bucket is already local to the site: written and read as UTC so the browser's zone stays out.
  const d = new Date(hour ? `${bucket}:00Z` : `${bucket}T00:00:00Z`);
  if (hour) return i18n.date(d, short ? { timeZone: 'UTC', hour: '2-digit', minute: '2-digit' } : { timeZone: 'UTC', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  return i18n.date(d, short ? { timeZone: 'UTC', day: 'numeric', month: 'short' } : { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });
}

/** A day range as "1 Nov 2026 – 30 Nov 2026". */
export function formatRange(i18n: I18n, from: string, to: string): string {
  const f = (d: string) => i18n.date(new Date(`${d}T00:00:00Z`), { timeZone: 'UTC', dateStyle: 'medium' });
  return from === to ? f(from) : `${f(from)} – ${f(to)}`;
}
