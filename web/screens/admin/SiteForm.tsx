// Creating a site (every setting) or editing one (all but its id, through updateSite). An error the API
// names a field for (`hostnames[1]`, `timezone`, `kAnonymity`…) is shown at that field.
import { useMemo, useState } from 'preact/hooks';
import { useI18n } from '../../i18n.ts';
import { apiErrorText, fieldOf } from '../../ui/apiErrorText.ts';
import { Field } from '../../ui/Field.tsx';
import { CONSENT_FLAGS, createSite, updateSite, type Site, type SiteDraft } from './queries.ts';

const BLANK: SiteDraft = {
  id: '',
  name: '',
  hostnames: [],
  timezone: 'UTC',
  kAnonymity: 10,
  retentionDays: 395,
  defaultConsent: { statistics: true, personalization: false, advertising: false, thirdParty: false },
};

/** Host names typed one per line or separated by commas or spaces. */
const hostList = (text: string) => text.split(/[\s,]+/).filter((h) => h !== '');

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC', 'Europe/Moscow'];
  }
}

export function SiteForm({ site, onSaved, onCancel }: { site?: Site; onSaved: (s: Site) => void; onCancel: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [draft, setDraft] = useState<SiteDraft>(() => (site === undefined ? BLANK : { ...site }));
  const [hosts, setHosts] = useState(() => draft.hostnames.join('\n'));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const zones = useMemo(timeZones, []);
  const prefix = site === undefined ? 'new-site' : `site-${site.id}`;
  const field = fieldOf(error);
  const errorAt = (name: string) => (field === name ? apiErrorText(i18n, error, { atField: true }) : undefined);
  // The field's label before an error said away from it (the screen reader's alert).
  const labels = {
    id: t('admin.site.id'),
    name: t('admin.site.name'),
    hostnames: t('admin.site.hostnames'),
    timezone: t('admin.site.timezone'),
    kAnonymity: t('admin.site.k'),
    retentionDays: t('admin.site.retention'),
    defaultConsent: t('admin.site.consent'),
  };
  const set = <K extends keyof SiteDraft>(k: K, v: SiteDraft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const value = { ...draft, hostnames: hostList(hosts) };
    (site === undefined ? createSite(value) : updateSite(value)).then(onSaved, (err: unknown) => {
      setError(err);
      setBusy(false);
      // Focus the field the API named, so a keyboard or screen-reader user lands on it.
      const target = fieldOf(err);
      if (target !== undefined) document.getElementById(`${prefix}-${target}`)?.focus();
    });
  };

  const number = (name: 'kAnonymity' | 'retentionDays', label: string, hint: string, min: number, max: number) => (
    <Field id={`${prefix}-${name}`} label={label} hint={hint} error={errorAt(name)}>
      {(c) => <input {...c} type="number" inputMode="numeric" min={min} max={max} step={1} required value={draft[name]} onInput={(e) => set(name, Number(e.currentTarget.value))} />}
    </Field>
  );

  return (
    <form class="site-form" onSubmit={submit} aria-label={site === undefined ? t('admin.site.new') : t('admin.site.editLabel', { name: site.name })} noValidate>
      {site === undefined ? (
        <Field id={`${prefix}-id`} label={t('admin.site.id')} hint={t('admin.site.idHint')} error={errorAt('id')}>
          {(c) => <input {...c} required autocomplete="off" spellcheck={false} value={draft.id} onInput={(e) => set('id', e.currentTarget.value.trim())} />}
        </Field>
      ) : null}
      <Field id={`${prefix}-name`} label={t('admin.site.name')} error={errorAt('name')}>
        {(c) => <input {...c} required value={draft.name} onInput={(e) => set('name', e.currentTarget.value)} />}
      </Field>
      <Field id={`${prefix}-hostnames`} label={t('admin.site.hostnames')} hint={t('admin.site.hostnamesHint')} error={errorAt('hostnames')}>
        {(c) => <textarea {...c} rows={3} required spellcheck={false} value={hosts} onInput={(e) => setHosts(e.currentTarget.value)} />}
      </Field>
      <Field id={`${prefix}-timezone`} label={t('admin.site.timezone')} hint={t('admin.site.timezoneHint')} error={errorAt('timezone')}>
        {(c) => (
          <>
            <input {...c} required list={`${prefix}-zones`} autocomplete="off" spellcheck={false} value={draft.timezone} onInput={(e) => set('timezone', e.currentTarget.value.trim())} />
            <datalist id={`${prefix}-zones`}>
              {zones.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </>
        )}
      </Field>
      {number('kAnonymity', t('admin.site.k'), t('admin.site.kHint'), 2, 10_000)}
      {number('retentionDays', t('admin.site.retention'), t('admin.site.retentionHint'), 1, 3_650)}
      <fieldset id={`${prefix}-defaultConsent`} tabIndex={-1} aria-describedby={field === 'defaultConsent' ? `${prefix}-consent-error` : undefined}>
        <legend>{t('admin.site.consent')}</legend>
        <p class="hint">{t('admin.site.consentHint')}</p>
        {CONSENT_FLAGS.map((f) => (
          <label key={f} class="check">
            <input type="checkbox" checked={draft.defaultConsent[f]} onChange={(e) => set('defaultConsent', { ...draft.defaultConsent, [f]: e.currentTarget.checked })} />
            {t(`admin.consent.${f}`)}
          </label>
        ))}
        {field === 'defaultConsent' ? (
          <p id={`${prefix}-consent-error`} class="error">
            {apiErrorText(i18n, error, { atField: true })}
          </p>
        ) : null}
      </fieldset>
      {error !== undefined && (field === undefined || !['id', 'name', 'hostnames', 'timezone', 'kAnonymity', 'retentionDays', 'defaultConsent'].includes(field)) ? (
        <p role="alert" class="error">
          {apiErrorText(i18n, error, { labels })}
        </p>
      ) : null}
      {field !== undefined ? (
        <p role="alert" class="visually-hidden">
          {apiErrorText(i18n, error, { labels })}
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {site === undefined ? t('admin.site.create') : t('admin.site.save')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('admin.cancel')}
        </button>
      </div>
    </form>
  );
}
