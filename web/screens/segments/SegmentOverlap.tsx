// Members in both of two live segments of the site (segmentOverlap); null below the site's k.
import { useState } from 'preact/hooks';
import { useI18n } from '../../i18n.ts';
import { apiErrorText } from '../../ui/apiErrorText.ts';
import { segmentOverlap, type Segment } from './segmentsApi.ts';

export function SegmentOverlap({ segment, segments }: { segment: Segment; segments: Segment[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  const others = segments.filter((s) => s.id !== segment.id);
  const [other, setOther] = useState(others[0]?.id ?? '');
  const [result, setResult] = useState<{ b: string; size: number | null }>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    segmentOverlap(segment.id, other).then(
      (size) => (setBusy(false), setResult({ b: other, size })),
      (err: Error) => (setBusy(false), setError(apiErrorText(i18n, err, { labels: { b: t('segments.overlap.other') } }))),
    );
  };
  const bName = others.find((s) => s.id === result?.b)?.name ?? result?.b ?? '';
  return (
    <section aria-labelledby="seg-overlap-title" class="seg-panel-body">
      <h2 id="seg-overlap-title">{t('segments.overlap.title', { name: segment.name })}</h2>
      {others.length === 0 ? <p class="hint">{t('segments.overlap.none')}</p> : (
        <form class="seg-row" onSubmit={run}>
          <div class="rb-field">
            <label for="seg-overlap-other">{t('segments.overlap.other')}</label>
            <select id="seg-overlap-other" value={other} onChange={(e) => setOther((e.currentTarget as HTMLSelectElement).value)}>
              {others.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
            </select>
          </div>
          <button type="submit" disabled={busy}>{busy ? t('segments.busy') : t('segments.overlap.run')}</button>
        </form>
      )}
      <div role="status">
        {result === undefined ? null : result.size === null
          ? <p>{t('segments.overlap.hidden', { a: segment.name, b: bName })}</p>
          : <p class="seg-big">{t('segments.overlap.result', { count: i18n.number(result.size), a: segment.name, b: bName })}</p>}
      </div>
      {error === undefined ? null : <p class="error" role="alert">{error}</p>}
    </section>
  );
}
