// API keys: the list (never a secret), a new key (its secret shown once), revocation after a confirmation.
// A site-bound key sees and acts only within its sites; the API refuses the rest (FORBIDDEN, shown as such).
import { useState } from 'preact/hooks';
import { useI18n } from '../../i18n.ts';
import { apiErrorText } from '../../ui/apiErrorText.ts';
import { ConfirmButton } from '../../ui/ConfirmButton.tsx';
import type { ScreenProps } from '../registry.ts';
import { NewKeyForm } from './NewKeyForm.tsx';
import { listKeys, listSites, revokeKey, type ApiKey } from './queries.ts';
import { SecretOnce } from './SecretOnce.tsx';
import { useLoad } from './useLoad.ts';

export function KeysPanel({ session }: ScreenProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const keys = useLoad(listKeys);
  const sites = useLoad(listSites);
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<{ key: ApiKey; secret: string }>();
  const [status, setStatus] = useState<string>();
  const [failure, setFailure] = useState<unknown>();
  const when = (iso: string) => i18n.date(new Date(iso), { dateStyle: 'medium', timeStyle: 'short' });

  const revoke = (key: ApiKey) => {
    setFailure(undefined);
    revokeKey(key.id).then(
      (revoked) => {
        setStatus(t(revoked ? 'admin.key.revoked' : 'admin.key.alreadyRevoked', { name: key.name }));
        keys.reload();
      },
      (err: unknown) => setFailure(err),
    );
  };

  return (
    <section aria-labelledby="keys-title">
      <div class="panel-head">
        <h2 id="keys-title">{t('admin.keys.title')}</h2>
        {adding || secret !== undefined ? null : (
          // The form offers the sites this key may list: it opens once they are in.
          <button type="button" disabled={sites.value === undefined} onClick={() => (setAdding(true), setStatus(undefined))}>
            {t('admin.key.new')}
          </button>
        )}
      </div>
      {session.sites === '*' ? null : <p class="hint">{t('admin.boundKey', { sites: session.sites.join(', ') })}</p>}
      {secret === undefined ? null : <SecretOnce name={secret.key.name} secret={secret.secret} onDone={() => setSecret(undefined)} />}
      {adding ? (
        <NewKeyForm
          sites={sites.value ?? []}
          mayAllSites={session.sites === '*'}
          onCreated={(made) => {
            setAdding(false);
            setSecret(made);
            keys.reload();
          }}
          onCancel={() => setAdding(false)}
        />
      ) : null}
      <p role="status" class="notice">{status ?? ''}</p>
      {failure === undefined ? null : (
        <p role="alert" class="error">
          {apiErrorText(i18n, failure)}
        </p>
      )}
      {keys.error === undefined ? null : (
        <p role="alert" class="error">
          {apiErrorText(i18n, keys.error)}
        </p>
      )}
      {keys.value === undefined ? (
        keys.loading ? <p class="loading">{t('app.loading')}</p> : null
      ) : keys.value.length === 0 ? (
        <p>{t('admin.keys.none')}</p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="keys-title">
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">{t('admin.key.name')}</th>
                <th scope="col">{t('admin.key.purposes')}</th>
                <th scope="col">{t('admin.key.sites')}</th>
                <th scope="col">{t('admin.created')}</th>
                <th scope="col">{t('admin.key.state')}</th>
                <th scope="col">
                  <span class="visually-hidden">{t('admin.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {[...keys.value].reverse().map((k) => (
                <tr key={k.id} class={k.revokedAt === null ? undefined : 'revoked'}>
                  <th scope="row">
                    {k.name}
                    <br />
                    <code class="muted">{k.id}</code>
                  </th>
                  <td data-label={t('admin.key.purposes')}>{k.purposes.map((p) => t(`purpose.${p}`)).join(', ')}</td>
                  <td data-label={t('admin.key.sites')}>{k.allSites ? t('admin.key.everySite') : k.sites.join(', ')}</td>
                  <td data-label={t('admin.created')}>{when(k.createdAt)}</td>
                  <td data-label={t('admin.key.state')}>{k.revokedAt === null ? t('admin.key.live') : t('admin.key.revokedAt', { when: when(k.revokedAt) })}</td>
                  <td data-label={t('admin.actions')}>
                    {k.revokedAt === null && k.id !== session.keyId ? (
                      <ConfirmButton label={t('admin.key.revoke')} question={t('admin.key.revokeQuestion', { name: k.name })} onConfirm={() => revoke(k)} />
                    ) : null}
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
