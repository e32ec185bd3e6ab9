// The administration screen's GraphQL, all under ADMINISTRATION (the screen's purpose), and the shapes it reads.
import { graphql, type ConsentFlags, type Purpose } from '../../api.ts';

export const PURPOSE: Purpose = 'ADMINISTRATION';

export { CONSENT_FLAGS, type ConsentFlags } from '../../api.ts';

export interface Site {
  id: string;
  name: string;
  hostnames: string[];
  timezone: string;
  kAnonymity: number;
  retentionDays: number;
  defaultConsent: ConsentFlags;
  createdAt: string;
}

/** What the site form edits; `id` only when creating. */
export type SiteDraft = Omit<Site, 'createdAt'>;

export interface ApiKey {
  id: string;
  name: string;
  purposes: Purpose[];
  /** Empty when the key acts on every site (allSites). */
  sites: string[];
  allSites: boolean;
  createdAt: string;
  revokedAt: string | null;
}

export interface AuditEntry {
  time: string;
  keyId: string;
  purpose: string;
  operation: string;
  fields: string[];
  sites: string[];
  outcome: string;
  code: string | null;
  rows: number;
  durationMs: number;
  detail: string | null;
}

export interface RetentionEntry {
  table: string;
  oldest: string | null;
  rows: number;
  policy: string;
}

const SITE = 'id name hostnames timezone kAnonymity retentionDays defaultConsent { statistics personalization advertising thirdParty } createdAt';
const KEY = 'id name purposes sites allSites createdAt revokedAt';

const gql = <T>(query: string, variables?: Record<string, unknown>) => graphql<T>(PURPOSE, query, variables);

export const listSites = () => gql<{ sites: Site[] }>(`query AdminSites { sites { ${SITE} } }`).then((d) => d.sites);

export const createSite = (s: SiteDraft) =>
  gql<{ createSite: Site }>(
    `mutation AdminCreateSite($id: ID!, $name: String!, $hostnames: [String!]!, $timezone: String, $kAnonymity: Int, $retentionDays: Int, $defaultConsent: ConsentInput) {
      createSite(id: $id, name: $name, hostnames: $hostnames, timezone: $timezone, kAnonymity: $kAnonymity, retentionDays: $retentionDays, defaultConsent: $defaultConsent) { ${SITE} }
    }`,
    { ...s },
  ).then((d) => d.createSite);

export const updateSite = (s: SiteDraft) =>
  gql<{ updateSite: Site }>(
    `mutation AdminUpdateSite($id: ID!, $name: String, $hostnames: [String!], $timezone: String, $kAnonymity: Int, $retentionDays: Int, $defaultConsent: ConsentInput) {
      updateSite(id: $id, name: $name, hostnames: $hostnames, timezone: $timezone, kAnonymity: $kAnonymity, retentionDays: $retentionDays, defaultConsent: $defaultConsent) { ${SITE} }
    }`,
    { ...s },
  ).then((d) => d.updateSite);

export const listKeys = () => gql<{ apiKeys: ApiKey[] }>(`query AdminKeys { apiKeys { ${KEY} } }`).then((d) => d.apiKeys);

/** A key for some sites, or every site ('*'). */
export const createKey = (name: string, purposes: Purpose[], sites: string[] | '*') =>
  gql<{ createApiKey: { secret: string; key: ApiKey } }>(
    `mutation AdminCreateKey($name: String!, $purposes: [Purpose!]!, $sites: [ID!], $all: Boolean) { createApiKey(name: $name, purposes: $purposes, sites: $sites, allSites: $all) { secret key { ${KEY} } } }`,
    sites === '*' ? { name, purposes, all: true } : { name, purposes, sites },
  ).then((d) => d.createApiKey);

export const revokeKey = (id: string) => gql<{ revokeApiKey: boolean }>('mutation AdminRevokeKey($id: ID!) { revokeApiKey(id: $id) }', { id }).then((d) => d.revokeApiKey);

export interface AuditQuery {
  from: string;
  to: string;
  keyId?: string;
  purpose?: string;
  outcome?: string;
  limit: number;
  offset: number;
}

export const auditLog = (q: AuditQuery) =>
  gql<{ auditLog: AuditEntry[] }>(
    `query AdminAuditLog($from: String!, $to: String!, $keyId: ID, $purpose: Purpose, $outcome: String, $limit: Int, $offset: Int) {
      auditLog(from: $from, to: $to, keyId: $keyId, purpose: $purpose, outcome: $outcome, limit: $limit, offset: $offset) { time keyId purpose operation fields sites outcome code rows durationMs detail }
    }`,
    { ...q },
  ).then((d) => d.auditLog);

export const retentionReport = (site: string, language: 'EN' | 'RU') =>
  gql<{ retentionReport: RetentionEntry[] }>('query AdminRetention($site: ID!, $language: NoticeLanguage) { retentionReport(site: $site, language: $language) { table oldest rows policy } }', { site, language }).then(
    (d) => d.retentionReport,
  );
