// The view's controls: site, date range (custom: two dates), comparison and chart interval.
import { useI18n, type MessageKey } from '../../i18n.ts';
import { allowedIntervals, PRESETS, type DayRange, type Interval, type Preset } from './range.ts';
import type { SiteInfo } from './view.ts';

export type { SiteInfo } from './view.ts';

interface Props {
  sites: readonly SiteInfo[];
  site: SiteInfo;
  preset: Preset;
  range: DayRange;
  compare: boolean;
  interval: Interval;
  /** The API's error about the range (its field is `from` or `to`), shown at the range. */
  rangeError?: string | undefined;
  onChange: (patch: { site?: string; range?: Preset; from?: string; to?: string; compare?: boolean; interval?: string }) => void;
}

export function Controls({ sites, site, preset, range, compare, interval, rangeError, onChange }: Props) {
  const { t } = useI18n();
  return (
    <div class="ov-controls">
      <label>
        <span>{t('overview.site')}</span>
        <select value={site.id} onChange={(e) => onChange({ site: e.currentTarget.value })}>
          {sites.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>{t('overview.range')}</span>
        <select
          value={preset}
          aria-invalid={rangeError === undefined ? undefined : true}
          aria-describedby={rangeError === undefined ? undefined : 'ov-range-error'}
          onChange={(e) => {
            const next = e.currentTarget.value as Preset;
            // A custom range starts as the range on screen, ready to be edited.
            onChange(next === 'custom' ? { range: next, from: range.from, to: range.to } : { range: next });
          }}
        >
          {PRESETS.map((p) => (
            <option key={p} value={p}>
              {t(`overview.range.${p}` as MessageKey)}
            </option>
          ))}
        </select>
      </label>
      {preset === 'custom' ? (
        <>
          <label>
            <span>{t('overview.from')}</span>
            <input type="date" value={range.from} max={range.to} onChange={(e) => e.currentTarget.value !== '' && onChange({ from: e.currentTarget.value, to: range.to })} />
          </label>
          <label>
            <span>{t('overview.to')}</span>
            <input type="date" value={range.to} min={range.from} onChange={(e) => e.currentTarget.value !== '' && onChange({ from: range.from, to: e.currentTarget.value })} />
          </label>
        </>
      ) : null}
      <label>
        <span>{t('overview.interval')}</span>
        <select value={interval} onChange={(e) => onChange({ interval: e.currentTarget.value })}>
          {allowedIntervals(range).map((i) => (
            <option key={i} value={i}>
              {t(`overview.interval.${i}` as MessageKey)}
            </option>
          ))}
        </select>
      </label>
      {rangeError === undefined ? null : (
        <p id="ov-range-error" role="alert" class="error ov-field-error">
          {rangeError}
        </p>
      )}
      <label class="ov-check">
        <input type="checkbox" checked={compare} onChange={(e) => onChange({ compare: e.currentTarget.checked })} />
        <span>{t('overview.compare')}</span>
      </label>
    </div>
  );
}
