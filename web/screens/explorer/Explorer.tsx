// The /explorer screen: GraphiQL signed in with the session, for the marketing team's own queries, under a
// purpose the user picks among the key's (declared on every request, checked and audited as any API call).
import { useEffect, useState } from 'preact/hooks';
import type { Purpose } from '../../api.ts';
import { useI18n } from '../../i18n.ts';
import { navigate } from '../../route.ts';
import type { ScreenProps } from '../registry.ts';
import { GraphiqlHost } from './GraphiqlHost.tsx';
import { loadSchema, type SchemaState } from './schema.ts';
import './explorer.css';

export function Explorer({ session, params }: ScreenProps) {
  const { t } = useI18n();
  const asked = params.get('purpose');
  const purpose: Purpose | undefined = session.purposes.find((p) => p === asked) ?? session.purposes[0];
  const query = params.get('query') ?? undefined;
  const [schema, setSchema] = useState<SchemaState>({ kind: 'loading' });
  useEffect(() => {
    if (purpose === undefined) return;
    let gone = false;
    setSchema({ kind: 'loading' });
    void loadSchema(purpose).then((s) => gone || setSchema(s));
    return () => void (gone = true);
  }, [purpose]);

  const pick = (p: string) => {
    const next = new URLSearchParams(params);
    next.set('purpose', p);
    navigate('explorer', next, true);
  };

  return (
    <section class="explorer" aria-labelledby="explorer-title">
      <h1 id="explorer-title">{t('explorer.title')}</h1>
      <div class="explorer-bar">
        <label for="explorer-purpose">{t('explorer.purpose')}</label>
        <select id="explorer-purpose" value={purpose} aria-describedby="explorer-purpose-hint" onChange={(e) => pick(e.currentTarget.value)}>
          {session.purposes.map((p) => (
            <option key={p} value={p}>
              {`${t(`purpose.${p}`)} (${p})`}
            </option>
          ))}
        </select>
        <p id="explorer-purpose-hint" class="hint">
          {t('explorer.purposeHint')}
        </p>
      </div>
      {schema.kind === 'refused' ? (
        <p class="note" role="status">
          {t('explorer.noSchema', { purpose: purpose ?? '', message: schema.message })}
        </p>
      ) : null}
      {purpose === undefined || schema.kind === 'loading' ? (
        <p class="loading">{t('app.loading')}</p>
      ) : (
        <GraphiqlHost purpose={purpose} schema={schema.kind === 'ready' ? schema.schema : null} query={query} />
      )}
    </section>
  );
}
