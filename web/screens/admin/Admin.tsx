// Administration (ADMINISTRATION; issue 13, screen 4): sites, API keys, the audit log, the retention
// report and the privacy page. The open section is the URL's `tab`, so it can be bookmarked.
import type { ComponentType } from 'preact';
import { useI18n, type MessageKey } from '../../i18n.ts';
import { navigate } from '../../route.ts';
import { PrivacyNotice } from '../privacy/PrivacyNotice.tsx';
import type { ScreenProps } from '../registry.ts';
import { AuditPanel } from './AuditPanel.tsx';
import { KeysPanel } from './KeysPanel.tsx';
import { PURPOSE } from './queries.ts';
import { RetentionPanel } from './RetentionPanel.tsx';
import { SitesPanel } from './SitesPanel.tsx';

const SECTIONS: ReadonlyArray<{ id: string; label: MessageKey; Panel: ComponentType<ScreenProps> }> = [
  { id: 'sites', label: 'admin.tab.sites', Panel: SitesPanel },
  { id: 'keys', label: 'admin.tab.keys', Panel: KeysPanel },
  { id: 'audit', label: 'admin.tab.audit', Panel: AuditPanel },
  { id: 'retention', label: 'admin.tab.retention', Panel: RetentionPanel },
  { id: 'privacy', label: 'admin.tab.privacy', Panel: () => <PrivacyNotice purpose={PURPOSE} /> },
];

export function Admin(props: ScreenProps) {
  const { t } = useI18n();
  const open = SECTIONS.find((s) => s.id === props.params.get('tab')) ?? SECTIONS[0]!;
  return (
    <section class="admin" aria-labelledby="admin-title">
      <h1 id="admin-title">{t('nav.admin')}</h1>
      <nav class="subnav" aria-label={t('admin.sections')}>
        {SECTIONS.map((s) => (
          <a
            key={s.id}
            href={`/admin?tab=${s.id}`}
            aria-current={s === open ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate('admin', { tab: s.id });
            }}
          >
            {t(s.label)}
          </a>
        ))}
      </nav>
      <open.Panel key={open.id} {...props} />
    </section>
  );
}
