// Every version of a segment's definition, oldest first, deleted ones included (segmentHistory).
import { useEffect, useState } from 'preact/hooks';
import { useI18n } from '../../i18n.ts';
import { apiErrorText } from '../../ui/apiErrorText.ts';
import { whenText } from './segmentFormat.ts';
import { segmentHistory, type Segment, type SegmentVersion } from './segmentsApi.ts';

export function SegmentHistory({ segment }: { segment: Segment }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [versions, setVersions] = useState<SegmentVersion[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    setVersions(undefined);
    segmentHistory(segment.id).then(setVersions, (e: Error) => setError(apiErrorText(i18n, e)));
  }, [segment.id, segment.version]);
  return (
    <section aria-labelledby="seg-history-title" class="seg-panel-body">
      <h2 id="seg-history-title">{t('segments.history.title', { name: segment.name })}</h2>
      {error !== undefined ? <p class="error" role="alert">{error}</p> : versions === undefined ? <p class="loading">{t('app.loading')}</p> : (
        <div class="seg-table-wrap">
          <table class="seg-table">
            <caption>{t('segments.history.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('segments.history.version')}</th>
                <th scope="col">{t('segments.col.name')}</th>
                <th scope="col">{t('segments.history.changed')}</th>
                <th scope="col">{t('segments.history.every')}</th>
                <th scope="col">{t('segments.history.rule')}</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.version}>
                  <th scope="row" data-label={t('segments.history.version')}>{i18n.number(v.version)}{v.deleted ? ` (${t('segments.history.deleted')})` : ''}</th>
                  <td data-label={t('segments.col.name')}>{v.name}</td>
                  <td data-label={t('segments.history.changed')}>{whenText(i18n, v.changedAt)}</td>
                  <td data-label={t('segments.history.every')} class="num">{i18n.number(v.refreshEveryMinutes)}</td>
                  <td data-label={t('segments.history.rule')}>
                    <details>
                      <summary>{t('segments.history.show')}</summary>
                      <pre class="seg-rule-json">{JSON.stringify(v.rule, null, 2)}</pre>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
