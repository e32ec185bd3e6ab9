// The tag to paste into the site's pages (src/collect/counter/README.md): the counter is served by the
// collector at /counter.js and posts hits to the origin it was loaded from.
import { useI18n } from '../../i18n.ts';
import { CopyButton } from '../../ui/CopyButton.tsx';

/** NOTE: the dashboard's own origin; when the collector runs elsewhere (role collector), the hint says to use its address. */
export function counterSnippet(site: string, origin = location.origin): string {
  return `<script async src="${origin}/counter.js" data-site="${site.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)}"></script>`;
}

export function CounterSnippet({ site }: { site: string }) {
  const { t } = useI18n();
  const snippet = counterSnippet(site);
  const id = `snippet-${site}`;
  return (
    <details class="snippet">
      <summary>{t('admin.snippet.title')}</summary>
      <p class="hint" id={`${id}-hint`}>
        {t('admin.snippet.hint')}
      </p>
      <pre id={id} tabIndex={0} aria-describedby={`${id}-hint`}>
        <code>{snippet}</code>
      </pre>
      <CopyButton text={snippet} label={t('admin.snippet.title')} />
    </details>
  );
}
