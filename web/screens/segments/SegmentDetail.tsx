// The opened segment: its facts and actions (edit, refresh now, history, overlap, export, delete), and
// the panel the URL names.
import { useState } from 'preact/hooks';
import { useI18n } from '../../i18n.ts';
import { apiErrorText } from '../../ui/apiErrorText.ts';
import { ConfirmActionDialog } from '../../ui/ConfirmActionDialog.tsx';
import { SegmentEditor } from './SegmentEditor.tsx';
import { SegmentExport } from './SegmentExport.tsx';
import { sizeText, whenText } from './segmentFormat.ts';
import { SegmentHistory } from './SegmentHistory.tsx';
import { SegmentOverlap } from './SegmentOverlap.tsx';
import { deleteSegment, refreshSegment, type Segment } from './segmentsApi.ts';

export type Panel = 'edit' | 'history' | 'overlap' | 'export';

interface Props {
  segment: Segment;
  segments: Segment[];
  panel: Panel | undefined;
  onPanel: (p: Panel | undefined) => void;
  onChanged: (s: Segment) => void;
  onNotice: (text: string) => void;
  onDeleted: () => void;
}

export function SegmentDetail({ segment, segments, panel, onPanel, onChanged, onNotice, onDeleted }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const [refreshing, setRefreshing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();

  const refresh = () => {
    setRefreshing(true);
    setError(undefined);
    refreshSegment(segment.id).then(
      (s) => {
        setRefreshing(false);
        onChanged(s);
        onNotice(t('segments.refreshed', { name: s.name, size: sizeText(i18n, s) }));
      },
      (e: Error) => (setRefreshing(false), setError(apiErrorText(i18n, e))),
    );
  };
  const remove = () => {
    setConfirming(false);
    setError(undefined);
    deleteSegment(segment.id).then(onDeleted, (e: Error) => setError(apiErrorText(i18n, e)));
  };
  const tab = (p: Panel, label: string) => (
    <button type="button" aria-pressed={panel === p ? 'true' : 'false'} onClick={() => onPanel(panel === p ? undefined : p)}>{label}</button>
  );

  return (
    <section class="seg-detail" aria-labelledby="seg-detail-title">
      <header class="seg-detail-head">
        <h2 id="seg-detail-title">{segment.name}</h2>
        <p class="hint">{t('segments.detail.version', { version: segment.version, minutes: segment.refreshEveryMinutes })}</p>
        <dl class="seg-facts">
          <div><dt>{t('segments.col.size')}</dt><dd data-testid="seg-size">{sizeText(i18n, segment)}</dd></div>
          <div><dt>{t('segments.col.status')}</dt><dd>{t(`segments.status.${segment.status}`)}</dd></div>
          <div><dt>{t('segments.col.refreshed')}</dt><dd>{whenText(i18n, segment.refreshedAt)}</dd></div>
          {segment.error === null ? null : <div><dt>{t('segments.col.error')}</dt><dd class="error">{segment.error}</dd></div>}
        </dl>
        <div class="seg-actions" role="group" aria-label={segment.name}>
          {tab('edit', t('segments.action.edit'))}
          <button type="button" onClick={refresh} disabled={refreshing}>{refreshing ? t('segments.action.refreshing') : t('segments.action.refresh')}</button>
          {tab('history', t('segments.action.history'))}
          {tab('overlap', t('segments.action.overlap'))}
          {tab('export', t('segments.action.export'))}
          <button type="button" class="danger" onClick={() => setConfirming(true)}>{t('segments.action.delete')}</button>
        </div>
        {error === undefined ? null : <p class="error" role="alert">{error}</p>}
      </header>
      {panel === 'edit' ? (
        <SegmentEditor
          site={segment.site}
          segment={segment}
          onSaved={(s) => {
            onChanged(s);
            onNotice(t('segments.editor.saved', { name: s.name, version: s.version }));
            onPanel(undefined);
          }}
          onCancel={() => onPanel(undefined)}
        />
      ) : panel === 'history' ? <SegmentHistory segment={segment} />
        : panel === 'overlap' ? <SegmentOverlap segment={segment} segments={segments} />
        : panel === 'export' ? <SegmentExport segment={segment} />
        : null}
      {confirming ? (
        <ConfirmActionDialog
          title={t('segments.delete.title')}
          message={t('segments.delete.confirm', { name: segment.name })}
          confirmLabel={t('segments.delete.yes')}
          cancelLabel={t('segments.delete.no')}
          onConfirm={remove}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </section>
  );
}
