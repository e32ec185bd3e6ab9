// Sites: the list, a new site (a key for every site only: a site-bound key cannot register one), and per
// site its settings, their editing and the counter snippet to paste into the site's pages.
import { useState } from 'preact/hooks';
import { useI18n } from '../../i18n.ts';
import type { ScreenProps } from '../registry.ts';
import { apiErrorText } from '../../ui/apiErrorText.ts';
import { CounterSnippet } from './CounterSnippet.tsx';
import { CONSENT_FLAGS, listSites, type Site } from './queries.ts';
import { SiteForm } from './SiteForm.tsx';
import { useLoad } from './useLoad.ts';

export function SitesPanel({ session }: ScreenProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const sites = useLoad(listSites);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const global = session.sites === '*';
  const saved = (site: Site, what: 'created' | 'updated') => {
    setAdding(false);
    setEditing(undefined);
    setNotice(t(what === 'created' ? 'admin.site.created' : 'admin.site.updated', { name: site.name }));
    sites.reload();
  };
  return (
    <section aria-labelledby="sites-title">
      <div class="panel-head">
        <h2 id="sites-title">{t('admin.sites.title')}</h2>
        {global && !adding ? (
          <button type="button" onClick={() => (setAdding(true), setNotice(undefined))}>
            {t('admin.site.new')}
          </button>
        ) : null}
      </div>
      {global ? null : <p class="hint">{t('admin.boundKey', { sites: (session.sites as string[]).join(', ') })}</p>}
      <p role="status" class="notice">{notice ?? ''}</p>
      {adding ? <SiteForm onSaved={(s) => saved(s, 'created')} onCancel={() => setAdding(false)} /> : null}
      {sites.error !== undefined ? <p role="alert" class="error">{apiErrorText(i18n, sites.error)}</p> : null}
      {sites.value === undefined ? (
        sites.loading ? <p class="loading">{t('app.loading')}</p> : null
      ) : sites.value.length === 0 ? (
        <p>{t('admin.sites.none')}</p>
      ) : (
        <ul class="cards">
          {sites.value.map((site) => (
            <li key={site.id} class="card">
              <h3>
                {site.name} <code>{site.id}</code>
              </h3>
              {editing === site.id ? (
                <SiteForm site={site} onSaved={(s) => saved(s, 'updated')} onCancel={() => setEditing(undefined)} />
              ) : (
                <>
                  <SiteFacts site={site} />
                  <button type="button" onClick={() => (setEditing(site.id), setNotice(undefined))} aria-label={t('admin.site.editLabel', { name: site.name })}>
                    {t('admin.site.edit')}
                  </button>
                </>
              )}
              <CounterSnippet site={site.id} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function SiteFacts({ site }: { site: Site }) {
  const i18n = useI18n();
  const { t } = i18n;
  const consent = CONSENT_FLAGS.filter((f) => site.defaultConsent[f]).map((f) => t(`admin.consent.${f}`));
  return (
    <dl class="facts">
      <dt>{t('admin.site.hostnames')}</dt>
      <dd>
        {site.hostnames.map((h) => (
          <span key={h} class="host">
            {h}
          </span>
        ))}
      </dd>
      <dt>{t('admin.site.timezone')}</dt>
      <dd>{site.timezone}</dd>
      <dt>{t('admin.site.k')}</dt>
      <dd>{i18n.number(site.kAnonymity)}</dd>
      <dt>{t('admin.site.retention')}</dt>
      <dd>{t('admin.days', { n: i18n.number(site.retentionDays) })}</dd>
      <dt>{t('admin.site.consent')}</dt>
      <dd>{consent.length === 0 ? t('admin.consent.none') : consent.join(', ')}</dd>
      <dt>{t('admin.created')}</dt>
      <dd>{i18n.date(new Date(site.createdAt), { dateStyle: 'medium', timeStyle: 'short' })}</dd>
    </dl>
  );
}
