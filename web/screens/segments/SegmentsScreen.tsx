// Segments (ADVERTISING, issue 13 screen 2): the site's segments, and for the one opened its editor,
// refresh, history, overlap, export and delete. State in the URL: ?site=…&seg=…&panel=edit|history|….
import { useEffect, useState } from 'preact/hooks';
import { useI18n } from '../../i18n.ts';
import { apiErrorText } from '../../ui/apiErrorText.ts';
import { navigate } from '../../route.ts';
import type { ScreenProps } from '../registry.ts';
import { SegmentDetail, type Panel } from './SegmentDetail.tsx';
import { SegmentEditor } from './SegmentEditor.tsx';
import { listSegments, type Segment } from './segmentsApi.ts';
import { SegmentTable } from './SegmentTable.tsx';
import { SitePicker } from './SitePicker.tsx';
import './segments.css';

const PANELS: readonly Panel[] = ['edit', 'history', 'overlap', 'export'];

export function Segments({ session, params }: ScreenProps) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const site = params.get('site') ?? (session.sites === '*' ? '' : (session.sites[0] ?? ''));
  const selected = params.get('seg') ?? undefined;
  const panelParam = params.get('panel');
  const creating = panelParam === 'new';
  const panel = PANELS.find((p) => p === panelParam);
  const [segments, setSegments] = useState<Segment[]>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  // A notice is written in the language of its moment; a switch clears it rather than leave it half-translated.
  useEffect(() => setNotice(undefined), [locale]);

  const go = (next: { site?: string; seg?: string; panel?: string }, replace = false) => {
    const q: Record<string, string> = {};
    const s = next.site ?? site;
    if (s !== '') q.site = s;
    if (next.seg !== undefined) q.seg = next.seg;
    if (next.panel !== undefined) q.panel = next.panel;
    navigate('segments', q, replace);
  };

  const load = () => {
    if (site === '') return;
    setError(undefined);
    listSegments(site).then(setSegments, (e: Error) => (setSegments([]), setError(apiErrorText(i18n, e))));
  };
  useEffect(() => {
    setSegments(undefined);
    load();
  }, [site]);

  const replaceOne = (s: Segment) => setSegments((list) => (list?.some((x) => x.id === s.id) ? list.map((x) => (x.id === s.id ? s : x)) : [...(list ?? []), s]));
  const current = segments?.find((s) => s.id === selected);

  return (
    <section aria-labelledby="segments-title" class="segments">
      <h1 id="segments-title">{t('segments.title')}</h1>
      <p class="hint">{t('segments.intro')}</p>
      <div class="seg-toolbar">
        <SitePicker session={session} site={site} onSite={(s) => go({ site: s })} />
        {site === '' ? null : (
          <>
            <button type="button" onClick={load}>{t('segments.list.reload')}</button>
            <button type="button" class="primary" onClick={() => go({ panel: 'new' })}>{t('segments.new')}</button>
          </>
        )}
      </div>
      <div role="status" class="seg-notice">{notice ?? ''}</div>
      {error === undefined ? null : <p class="error" role="alert">{error}</p>}
      {site === '' ? <p>{t('segments.site.needed')}</p> : segments === undefined ? <p class="loading">{t('app.loading')}</p> : (
        <SegmentTable site={site} segments={segments} selected={selected} onOpen={(id) => go({ seg: id })} />
      )}
      {creating && site !== '' ? (
        <SegmentEditor
          key="new"
          site={site}
          segment={undefined}
          onSaved={(s) => {
            replaceOne(s);
            setNotice(t('segments.editor.saved', { name: s.name, version: s.version }));
            go({ seg: s.id });
          }}
          onCancel={() => go({})}
        />
      ) : null}
      {current === undefined || segments === undefined ? null : (
        <SegmentDetail
          key={current.id}
          segment={current}
          segments={segments}
          panel={panel}
          onPanel={(p) => go({ seg: current.id, panel: p })}
          onChanged={replaceOne}
          onNotice={setNotice}
          onDeleted={() => {
            setSegments((list) => list?.filter((x) => x.id !== current.id));
            setNotice(t('segments.deleted', { name: current.name }));
            go({});
          }}
        />
      )}
    </section>
  );
}
