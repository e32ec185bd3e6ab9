// The site whose segments are shown. An ADVERTISING key cannot list sites (`sites` serves STATISTICS
// and ADMINISTRATION), so the choice is the session's sites, or a typed id for a key of every site.
import { useState } from 'preact/hooks';
import type { Session } from '../../api.ts';
import { useI18n } from '../../i18n.ts';

export function SitePicker({ session, site, onSite }: { session: Session; site: string; onSite: (site: string) => void }) {
  const { t } = useI18n();
  const [typed, setTyped] = useState(site);
  if (session.sites !== '*') {
    return (
      <div class="seg-site">
        <label for="seg-site">{t('segments.site')}</label>
        <select id="seg-site" value={site} onChange={(e) => onSite((e.currentTarget as HTMLSelectElement).value)}>
          {session.sites.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </div>
    );
  }
  return (
    <form class="seg-site" onSubmit={(e) => (e.preventDefault(), onSite(typed.trim()))}>
      <label for="seg-site">{t('segments.site')}</label>
      <input id="seg-site" value={typed} required autocomplete="off" onInput={(e) => setTyped((e.currentTarget as HTMLInputElement).value)} />
      <button type="submit">{t('segments.site.apply')}</button>
    </form>
  );
}
