// The DOM node GraphiQL (React) lives in: mounted when this Preact component mounts, unmounted on cleanup
// (a new purpose or schema remounts it, so the fetcher never carries a stale purpose).
import type { GraphQLSchema } from 'graphql';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Purpose } from '../../api.ts';
import { useI18n } from '../../i18n.ts';

interface Props {
  purpose: Purpose;
  schema: GraphQLSchema | null;
  query: string | undefined;
}

export function GraphiqlHost({ purpose, schema, query }: Props) {
  const { t } = useI18n();
  const node = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'failed'>('loading');
  useEffect(() => {
    const el = node.current;
    if (el === null) return;
    let unmount: (() => void) | undefined;
    let gone = false;
    setState('loading');
    import('./mountGraphiql.ts')
      .then((m) => m.mountGraphiql(el, { purpose, schema, query }))
      .then(
        (u) => {
          if (gone) u();
          else {
            unmount = u;
            setState('ready');
          }
        },
        (e: unknown) => (console.error(e), gone || setState('failed')),
      );
    return () => {
      gone = true;
      unmount?.();
    };
    // The query only seeds the editor: typing must not remount it.
  }, [purpose, schema]);
  return (
    <div class="explorer-frame" aria-busy={state === 'loading'}>
      {state === 'loading' ? <p class="loading">{t('app.loading')}</p> : null}
      {state === 'failed' ? <p class="error" role="alert">{t('explorer.loadFailed')}</p> : null}
      <div class="explorer-host" ref={node} />
    </div>
  );
}
