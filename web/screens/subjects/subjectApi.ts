// The subject screens' GraphQL: look a cookie up (its consent and everything held, in one request), change
// its consent, erase it (SUBJECT_REQUEST); the legal-hold copy (LEGAL_OBLIGATION). Nothing else.
import { graphql, type ConsentFlags } from '../../api.ts';

export { CONSENT_FLAGS, type ConsentFlags } from '../../api.ts';

export interface SubjectEvent {
  time: string;
  type: string;
  name: string;
  host: string;
  path: string;
  referrerSource: string;
  referrerHost: string;
  utmSource: string;
  utmMedium: string;
  utmCampaign: string;
  utmTerm: string;
  utmContent: string;
  browser: string;
  os: string;
  device: string;
  screen: string;
  language: string;
  country: string;
  region: string;
  bot: boolean;
  consent: ConsentFlags;
  engagementMs: number;
  props: unknown;
}

export interface ConsentChange {
  time: string;
  source: string;
  before: ConsentFlags | null;
  after: ConsentFlags;
}

/** exportSubject's answer: the same shape as GET /v1/subjects/export?format=json. */
export interface SubjectExport {
  events: SubjectEvent[];
  consent: ConsentFlags | null;
  consentLog: ConsentChange[];
  segments: string[];
  legalHold: boolean;
}

export interface ErasureReceipt {
  id: string;
  erasedAt: string;
  eventsErased: number;
  heldUntil: string;
  contact: string | null;
}

export interface LegalHoldRecord {
  erasures: Array<{ id: string; erasedAt: string; heldUntil: string; reason: string }>;
  events: SubjectEvent[];
  consent: ConsentFlags | null;
  consentLog: ConsentChange[];
  segments: string[];
}

const FLAGS = 'fragment Flags on Consent { statistics personalization advertising thirdParty }';
const EVENT_FIELDS =
  'time type name host path referrerSource referrerHost utmSource utmMedium utmCampaign utmTerm utmContent browser os device screen language country region bot consent { ...Flags } engagementMs props';
const LOG_FIELDS = 'time source before { ...Flags } after { ...Flags }';

/** What is held about the cookie and its consent now (the site's default when none was recorded). */
export async function lookUpSubject(site: string, cookieId: string): Promise<{ consent: ConsentFlags | null; exportSubject: SubjectExport }> {
  return graphql('SUBJECT_REQUEST', `query Subject($site: ID!, $cookieId: String!) {
  consent(site: $site, cookieId: $cookieId) { ...Flags }
  exportSubject(site: $site, cookieId: $cookieId) { events { ${EVENT_FIELDS} } consent { ...Flags } consentLog { ${LOG_FIELDS} } segments legalHold }
}
${FLAGS}`, { site, cookieId });
}

export async function setConsent(site: string, cookieId: string, consent: ConsentFlags): Promise<ConsentFlags> {
  const r = await graphql<{ setConsent: ConsentFlags }>('SUBJECT_REQUEST', `mutation SetConsent($site: ID!, $cookieId: String!, $consent: ConsentInput!) {
  setConsent(site: $site, cookieId: $cookieId, consent: $consent) { ...Flags }
}
${FLAGS}`, { site, cookieId, consent });
  return r.setConsent;
}

export async function eraseSubject(site: string, cookieId: string, reason: string): Promise<ErasureReceipt> {
  const r = await graphql<{ eraseSubject: ErasureReceipt }>('SUBJECT_REQUEST', `mutation Erase($site: ID!, $cookieId: String!, $reason: String!) {
  eraseSubject(site: $site, cookieId: $cookieId, reason: $reason) { id erasedAt eventsErased heldUntil contact }
}`, { site, cookieId, reason });
  return r.eraseSubject;
}

/** The held copy, or null when nothing is held; the basis is written to the audit log as a transfer. */
export async function fetchLegalHold(site: string, cookieId: string, basis: string): Promise<LegalHoldRecord | null> {
  const r = await graphql<{ legalHold: LegalHoldRecord | null }>('LEGAL_OBLIGATION', `query LegalHold($site: ID!, $cookieId: String!, $basis: String!) {
  legalHold(site: $site, cookieId: $cookieId, basis: $basis) {
    erasures { id erasedAt heldUntil reason } events { ${EVENT_FIELDS} } consent { ...Flags } consentLog { ${LOG_FIELDS} } segments
  }
}
${FLAGS}`, { site, cookieId, basis });
  return r.legalHold;
}
