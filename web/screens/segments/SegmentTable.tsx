// The site's segments: size, status, last refresh and the last refresh's error. A name opens it.
import { useI18n } from '../../i18n.ts';
import { sizeText, whenText } from './segmentFormat.ts';
import type { Segment } from './segmentsApi.ts';

interface Props {
  site: string;
  segments: Segment[];
  selected: string | undefined;
  onOpen: (id: string) => void;
}

export function SegmentTable({ site, segments, selected, onOpen }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  if (segments.length === 0) return <p class="hint">{t('segments.list.empty')}</p>;
  return (
    <div class="seg-table-wrap">
      <table class="seg-table">
        <caption>{t('segments.list.caption', { site })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('segments.col.name')}</th>
            <th scope="col">{t('segments.col.size')}</th>
            <th scope="col">{t('segments.col.status')}</th>
            <th scope="col">{t('segments.col.refreshed')}</th>
            <th scope="col">{t('segments.col.error')}</th>
          </tr>
        </thead>
        <tbody>
          {segments.map((s) => (
            <tr key={s.id} class={s.id === selected ? 'selected' : undefined} data-segment={s.id}>
              <th scope="row" data-label={t('segments.col.name')}>
                <button type="button" class="link" aria-current={s.id === selected ? 'true' : undefined} onClick={() => onOpen(s.id)}>{s.name}</button>
              </th>
              <td data-label={t('segments.col.size')} class="num">{sizeText(i18n, s)}</td>
              <td data-label={t('segments.col.status')}><span class={`seg-status seg-status-${s.status.toLowerCase()}`}>{t(`segments.status.${s.status}`)}</span></td>
              <td data-label={t('segments.col.refreshed')}>{whenText(i18n, s.refreshedAt)}</td>
              <td data-label={t('segments.col.error')} class="seg-error">{s.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
