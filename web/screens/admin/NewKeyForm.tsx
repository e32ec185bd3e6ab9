// A new API key: its name, its purposes and its sites, or every site (offered to a key that reaches every site).
import { useState } from 'preact/hooks';
import type { Purpose } from '../../api.ts';
import { useI18n } from '../../i18n.ts';
import { apiErrorText, fieldOf } from '../../ui/apiErrorText.ts';
import { Field } from '../../ui/Field.tsx';
import { createKey, type ApiKey, type Site } from './queries.ts';

export const PURPOSES: readonly Purpose[] = ['STATISTICS', 'ADVERTISING', 'PERSONALIZATION', 'SUBJECT_REQUEST', 'LEGAL_OBLIGATION', 'ADMINISTRATION'];

interface Props {
  sites: Site[];
  /** The signed-in key reaches every site, so it may make a key that does. */
  mayAllSites: boolean;
  onCreated: (k: { key: ApiKey; secret: string }) => void;
  onCancel: () => void;
}

export function NewKeyForm({ sites, mayAllSites, onCreated, onCancel }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const [name, setName] = useState('');
  const [purposes, setPurposes] = useState<Purpose[]>([]);
  const [chosen, setChosen] = useState<string[]>(() => (sites.length === 1 ? [sites[0]!.id] : []));
  // With no site yet (a fresh install), a key for every site is what an administrator can make.
  const [allSites, setAllSites] = useState(mayAllSites && sites.length === 0);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const field = fieldOf(error);
  const toggle = <T,>(list: T[], v: T, on: boolean) => (on ? [...list, v] : list.filter((x) => x !== v));

  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    createKey(name, purposes, allSites ? '*' : chosen).then(onCreated, (err: unknown) => {
      setError(err);
      setBusy(false);
      const target = fieldOf(err);
      if (target !== undefined) document.getElementById(`new-key-${target}`)?.focus();
    });
  };
  const groupError = (f: string) =>
    field === f ? (
      <p id={`new-key-${f}-error`} class="error">
        {apiErrorText(i18n, error, { atField: true })}
      </p>
    ) : null;

  return (
    <form class="key-form" onSubmit={submit} aria-label={t('admin.key.new')} noValidate>
      <Field id="new-key-name" label={t('admin.key.name')} hint={t('admin.key.nameHint')} error={field === 'name' ? apiErrorText(i18n, error, { atField: true }) : undefined}>
        {(c) => <input {...c} required autocomplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} />}
      </Field>
      <fieldset id="new-key-purposes" tabIndex={-1} aria-describedby={field === 'purposes' ? 'new-key-purposes-error' : undefined}>
        <legend>{t('admin.key.purposes')}</legend>
        {PURPOSES.map((p) => (
          <label key={p} class="check">
            <input type="checkbox" checked={purposes.includes(p)} onChange={(e) => setPurposes(toggle(purposes, p, e.currentTarget.checked))} />
            {t(`purpose.${p}`)} <code>{p}</code>
          </label>
        ))}
        {groupError('purposes')}
      </fieldset>
      <fieldset id="new-key-sites" tabIndex={-1} aria-describedby={field === 'sites' ? 'new-key-sites-error' : undefined}>
        <legend>{t('admin.key.sites')}</legend>
        {mayAllSites ? (
          <label class="check all-sites">
            <input type="checkbox" checked={allSites} aria-describedby="new-key-all-sites-hint" onChange={(e) => setAllSites(e.currentTarget.checked)} />
            {t('admin.key.allSites')}
          </label>
        ) : null}
        {mayAllSites ? (
          <p id="new-key-all-sites-hint" class="hint">
            {t('admin.key.allSitesHint')}
          </p>
        ) : null}
        {sites.length === 0 && !mayAllSites ? <p class="hint">{t('admin.sites.none')}</p> : null}
        {sites.map((s) => (
          <label key={s.id} class="check">
            <input type="checkbox" disabled={allSites} checked={!allSites && chosen.includes(s.id)} onChange={(e) => setChosen(toggle(chosen, s.id, e.currentTarget.checked))} />
            {s.name} <code>{s.id}</code>
          </label>
        ))}
        {groupError('sites')}
      </fieldset>
      {error !== undefined ? (
        <p role="alert" class={field === undefined ? 'error' : 'visually-hidden'}>
          {apiErrorText(i18n, error, { labels: { name: t('admin.key.name'), purposes: t('admin.key.purposes'), sites: t('admin.key.sites') } })}
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {t('admin.key.create')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('admin.cancel')}
        </button>
      </div>
    </form>
  );
}
