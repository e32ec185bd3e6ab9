// The record of processing per site (152-FZ): each table's oldest row about the site and its policy.
import type { Site } from '../sites/siteStore.ts';
import type { EventStore } from '../store/eventStore.ts';
import { isoOf } from '../store/sqlTime.ts';

export interface RetentionPolicy {
  auditRetentionDays: number;
  legalHoldDays: number;
}

// Table names and time columns from this fixed list only.
const TABLES = [
  { table: 'events', time: 'ts', where: 'site = {site:String}', policy: (s: Site) => `${s.retentionDays} days (the site's retentionDays), by row TTL: reduced hits for statistics and segments` },
  { table: 'consents', time: 'updated_at', where: 'site = {site:String}', policy: (_: Site, p: RetentionPolicy) => `${p.auditRetentionDays} days after the last change (CALYPSO_AUDIT_RETENTION_DAYS): the consent in force` },
  { table: 'consent_log', time: 'changed_at', where: 'site = {site:String}', policy: (_: Site, p: RetentionPolicy) => `${p.auditRetentionDays} days (CALYPSO_AUDIT_RETENTION_DAYS): proof of consent, 152-FZ art. 9` },
  { table: 'segment_members', time: 'created_at', where: 'site = {site:String}', policy: () => 'until the next version of the segment is live, at most 7 days: targeting with advertising consent' },
  { table: 'audit_log', time: 'ts', where: 'has(sites, {site:String})', policy: (_: Site, p: RetentionPolicy) => `${p.auditRetentionDays} days (CALYPSO_AUDIT_RETENTION_DAYS): who read or changed what, and why` },
  { table: 'erasures', time: 'erased_at', where: 'site = {site:String}', policy: () => '3 660 days (past the longest retention a site may have): tombstones that keep erased data from returning with late hits or imports' },
  { table: 'legal_hold', time: 'held_at', where: 'site = {site:String}', policy: (_: Site, p: RetentionPolicy) => `${p.legalHoldDays} days after the erasure (CALYPSO_LEGAL_HOLD_DAYS): the legal period, readable only under LEGAL_OBLIGATION` },
] as const;

export async function retentionReport(store: EventStore, site: Site, policy: RetentionPolicy) {
  return Promise.all(
    TABLES.map(async (t) => {
      const [row] = await store.query<{ n: string; oldest: string | null }>(`SELECT count() AS n, if(count() = 0, NULL, min(${t.time})) AS oldest FROM ${t.table} WHERE ${t.where}`, { site: site.id });
      return { table: t.table, rows: Number(row?.n ?? 0), oldest: row?.oldest === null || row?.oldest === undefined ? null : isoOf(row.oldest), policy: t.policy(site, policy) };
    }),
  );
}
