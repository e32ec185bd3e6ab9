// The fields both subject screens ask for: the site (a choice among the key's sites, or typed when the key
// serves every site: SUBJECT_REQUEST may not list sites) and the cookie id, each with its API error.
import type { Session } from '../../api.ts';
import { useI18n } from '../../i18n.ts';

export function defaultSite(session: Session, fromUrl: string | null): string {
  if (session.sites === '*') return fromUrl ?? '';
  if (fromUrl !== null && session.sites.includes(fromUrl)) return fromUrl;
  return session.sites[0] ?? '';
}

/** The message under a field, named by the field's aria-describedby. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message === undefined ? null : <p id={id} class="field-error" role="alert">{message}</p>;
}

export function SiteField(p: { id: string; session: Session; value: string; onChange: (site: string) => void; error?: string }) {
  const { t } = useI18n();
  const errId = `${p.id}-error`;
  const common = { id: p.id, name: 'site', required: true, 'aria-invalid': p.error !== undefined, 'aria-describedby': p.error === undefined ? undefined : errId };
  return (
    <div class="field">
      <label for={p.id}>{t('subjects.site')}</label>
      {p.session.sites === '*' ? (
        <input {...common} type="text" autocomplete="off" spellcheck={false} value={p.value} onInput={(e) => p.onChange(e.currentTarget.value.trim())} />
      ) : (
        <select {...common} value={p.value} onChange={(e) => p.onChange(e.currentTarget.value)}>
          {p.session.sites.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      )}
      <FieldError id={errId} message={p.error} />
    </div>
  );
}

export function CookieField(p: { id: string; value: string; onChange: (cookie: string) => void; error?: string }) {
  const { t } = useI18n();
  const errId = `${p.id}-error`;
  const hintId = `${p.id}-hint`;
  return (
    <div class="field">
      <label for={p.id}>{t('subjects.cookie')}</label>
      <input
        id={p.id}
        name="cookieId"
        type="text"
        required
        maxLength={128}
        autocomplete="off"
        spellcheck={false}
        value={p.value}
        aria-invalid={p.error !== undefined}
        aria-describedby={p.error === undefined ? hintId : `${hintId} ${errId}`}
        onInput={(e) => p.onChange(e.currentTarget.value)}
      />
      <p id={hintId} class="hint">{t('subjects.cookie.hint')}</p>
      <FieldError id={errId} message={p.error} />
    </div>
  );
}
