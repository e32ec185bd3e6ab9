// A consent shown as its four flags (policy 5.1), in words, not colour alone.
import { useI18n, type I18n, type MessageKey } from '../../i18n.ts';
import { CONSENT_FLAGS, type ConsentFlags } from './subjectApi.ts';

export const FLAG_LABEL: Record<(typeof CONSENT_FLAGS)[number], MessageKey> = {
  statistics: 'subjects.flag.statistics',
  personalization: 'subjects.flag.personalization',
  advertising: 'subjects.flag.advertising',
  thirdParty: 'subjects.flag.thirdParty',
};

/** "statistics, advertising" or "none": for table cells. */
export function consentWords(i18n: I18n, c: ConsentFlags | null): string {
  if (c === null) return '—';
  const on = CONSENT_FLAGS.filter((f) => c[f]).map((f) => i18n.t(FLAG_LABEL[f]).toLowerCase());
  return on.length === 0 ? i18n.t('subjects.consent.none') : on.join(', ');
}

export function ConsentView({ consent }: { consent: ConsentFlags }) {
  const { t } = useI18n();
  return (
    <ul class="consent-flags">
      {CONSENT_FLAGS.map((f) => (
        <li key={f} class={consent[f] ? 'on' : 'off'}>
          <span>{t(FLAG_LABEL[f])}</span>: <strong>{t(consent[f] ? 'subjects.yes' : 'subjects.no')}</strong>
        </li>
      ))}
    </ul>
  );
}
