// The record of processing per site (152-FZ): each table's oldest row about the site and its policy.
import type { Site } from '../sites/siteStore.ts';
import type { EventStore } from '../store/eventStore.ts';
import { isoOf } from '../store/sqlTime.ts';
import type { NoticeLanguage } from './recordOfProcessing.ts';

export interface RetentionPolicy {
  auditRetentionDays: number;
  legalHoldDays: number;
}

type Policy = (s: Site, p: RetentionPolicy) => Record<NoticeLanguage, string>;

// Table names and time columns from this fixed list only. The policy in English and Russian (the
// dashboard shows the administrator's language), as the record of processing is.
const TABLES: ReadonlyArray<{ table: string; time: string; where: string; policy: Policy }> = [
  {
    table: 'events',
    time: 'ts',
    where: 'site = {site:String}',
    policy: (s) => ({
      en: `${s.retentionDays} days (the site's retentionDays), by row TTL: reduced hits for statistics and segments`,
      ru: `${s.retentionDays} дн. (retentionDays сайта), TTL строк: сокращённые хиты для статистики и сегментов`,
    }),
  },
  {
    table: 'consents',
    time: 'updated_at',
    where: 'site = {site:String}',
    policy: (_, p) => ({
      en: `${p.auditRetentionDays} days after the last change (CALYPSO_AUDIT_RETENTION_DAYS): the consent in force`,
      ru: `${p.auditRetentionDays} дн. после последнего изменения (CALYPSO_AUDIT_RETENTION_DAYS): действующее согласие`,
    }),
  },
  {
    table: 'consent_log',
    time: 'changed_at',
    where: 'site = {site:String}',
    policy: (_, p) => ({
      en: `${p.auditRetentionDays} days (CALYPSO_AUDIT_RETENTION_DAYS): proof of consent, 152-FZ art. 9`,
      ru: `${p.auditRetentionDays} дн. (CALYPSO_AUDIT_RETENTION_DAYS): подтверждение согласия, 152-ФЗ ст. 9`,
    }),
  },
  {
    table: 'segment_members',
    time: 'created_at',
    where: 'site = {site:String}',
    policy: () => ({
      en: 'until the next version of the segment is live, at most 7 days: targeting with advertising consent',
      ru: 'до вступления следующей версии сегмента, не более 7 дней: таргетинг с согласия на рекламу',
    }),
  },
  {
    table: 'audit_log',
    time: 'ts',
    where: 'has(sites, {site:String})',
    policy: (_, p) => ({
      en: `${p.auditRetentionDays} days (CALYPSO_AUDIT_RETENTION_DAYS): who read or changed what, and why`,
      ru: `${p.auditRetentionDays} дн. (CALYPSO_AUDIT_RETENTION_DAYS): кто что прочитал или изменил и зачем`,
    }),
  },
  {
    table: 'erasures',
    time: 'erased_at',
    where: 'site = {site:String}',
    policy: () => ({
      en: '3 660 days (past the longest retention a site may have): tombstones that keep erased data from returning with late hits or imports',
      ru: '3 660 дней (дольше самого долгого срока хранения сайта): отметки, не дающие удалённым данным вернуться с запоздавшими хитами или импортом',
    }),
  },
  {
    table: 'legal_hold',
    time: 'held_at',
    where: 'site = {site:String}',
    policy: (_, p) => ({
      en: `${p.legalHoldDays} days after the erasure (CALYPSO_LEGAL_HOLD_DAYS): the legal period, readable only under LEGAL_OBLIGATION`,
      ru: `${p.legalHoldDays} дн. после удаления (CALYPSO_LEGAL_HOLD_DAYS): срок, требуемый законом, читается только для цели LEGAL_OBLIGATION`,
    }),
  },
];

export async function retentionReport(store: EventStore, site: Site, policy: RetentionPolicy, language: NoticeLanguage = 'en') {
  return Promise.all(
    TABLES.map(async (t) => {
      const [row] = await store.query<{ n: string; oldest: string | null }>(`SELECT count() AS n, if(count() = 0, NULL, min(${t.time})) AS oldest FROM ${t.table} WHERE ${t.where}`, { site: site.id });
      return { table: t.table, rows: Number(row?.n ?? 0), oldest: row?.oldest === null || row?.oldest === undefined ? null : isoOf(row.oldest), policy: t.policy(site, policy)[language] };
    }),
  );
}
