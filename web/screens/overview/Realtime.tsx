// Visitors in the last five minutes and the pages they are on: first from the overview's request, then
// asked again every 10 s while shown (the timer stops when the screen goes).
import { useEffect, useState } from 'preact/hooks';
import { graphql } from '../../api.ts';
import { useI18n } from '../../i18n.ts';
import { REALTIME_FIELD, type RealtimeValue } from './query.ts';

export const REALTIME_REFRESH_MS = 10_000;
const QUERY = `query OverviewRealtime($site: ID!) { ${REALTIME_FIELD} }`;

export function Realtime({ site, k, initial }: { site: string; k: number; initial: RealtimeValue | undefined }) {
  const i18n = useI18n();
  const [now, setNow] = useState<RealtimeValue | undefined>(initial);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (initial !== undefined) setNow(initial);
  }, [initial]);
  useEffect(() => {
    let live = true;
    const load = () =>
      graphql<{ realtime: RealtimeValue }>('STATISTICS', QUERY, { site }).then(
        (d) => live && (setNow(d.realtime), setFailed(false)),
        () => live && setFailed(true),
      );
    const timer = setInterval(() => void load(), REALTIME_REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [site]);
  return (
    <section class="ov-realtime" aria-labelledby="ov-realtime-title">
      <h2 id="ov-realtime-title">{i18n.t('overview.realtime.title')}</h2>
      <p class="ov-realtime-count" aria-live="polite">
        {now === undefined
          ? i18n.t('app.loading')
          : now.visitors === null
            ? i18n.t('overview.realtime.fewer', { k })
            : i18n.t('overview.realtime.visitors', { n: i18n.number(now.visitors) })}
      </p>
      {failed ? <p class="error">{i18n.t('overview.realtime.failed')}</p> : null}
      {now !== undefined && now.topPages.length > 0 ? (
        <ul class="ov-realtime-pages" aria-label={i18n.t('overview.realtime.pages')}>
          {now.topPages.map((p) => (
            <li key={p.page}>
              <span>{p.page}</span> <span>{i18n.number(p.visitors)}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
