// GraphQL for the support staff and the privacy officer: consent on request (SUBJECT_REQUEST), export
// and erasure (SUBJECT_REQUEST), the legal-hold copy (LEGAL_OBLIGATION), and the retention report.
import { fromFlags, toFlags, type Consent } from '../consent/consentFlags.ts';
import type { ConsentStore } from '../consent/consentStore.ts';
import { invalid } from '../errors/apiError.ts';
import type { RequestContext } from '../graphql/requestContext.ts';
import type { Pseudonymiser } from '../privacy/pseudonymiser.ts';
import { redact } from '../privacy/reduceUrl.ts';
import { checkCookieId } from '../segments/segmentResolvers.ts';
import { requireSite } from '../sites/requireSite.ts';
import type { Site, SiteStore } from '../sites/siteStore.ts';
import type { EventStore } from '../store/eventStore.ts';
import { retentionReport, type RetentionPolicy } from './retentionReport.ts';
import type { SubjectData } from './subjectData.ts';
import { consentChangeView, eventView } from './subjectView.ts';

export interface SubjectResolverDeps {
  sites: SiteStore;
  store: EventStore;
  consents: ConsentStore;
  subjects: SubjectData;
  pseudonymiser: Pseudonymiser;
  policy: RetentionPolicy;
  /** CALYPSO_CONTACT_EMAIL, shown in receipts; empty when unset. */
  contact: string;
}

/**
 * A reason or legal basis staff type in: kept for years, so an e-mail address or token pasted into it is
 * redacted as in stored paths, and a lone UTF-16 surrogate (which ClickHouse cannot store) mended.
 */
function text(v: unknown, field: string, what: string): string {
  if (typeof v !== 'string' || v.trim() === '' || v.length > 500) throw invalid(field, `${field} must be ${what}, 1 to 500 characters`, 'length', { min: 1, max: 500 });
  return redact(v.trim()).toWellFormed();
}

export function createSubjectResolvers(deps: SubjectResolverDeps) {
  const { sites, store, consents, subjects, pseudonymiser } = deps;
  const siteOf = (id: string) => requireSite(sites, id);
  /** The cookie's pids under every key version: a subject's data outlives a key rotation. */
  const pidsOf = (site: Site, cookieId: unknown) => pseudonymiser.pseudonymiseAll(site.id, checkCookieId(cookieId)).map((p) => p.pid);

  return {
    Query: {
      async consent(_: unknown, args: { site: string; cookieId: string }) {
        const site = await siteOf(args.site);
        return fromFlags((await consents.current(site.id, pseudonymiser.pseudonymise(site.id, checkCookieId(args.cookieId)).pid)) ?? site.defaultConsent);
      },
      async exportSubject(_: unknown, args: { site: string; cookieId: string }) {
        const site = await siteOf(args.site);
        const r = await subjects.export(site.id, pidsOf(site, args.cookieId));
        return {
          events: r.events.map(eventView),
          consent: r.consent === undefined ? null : fromFlags(r.consent),
          consentLog: r.consentLog.map(consentChangeView),
          segments: r.segments,
          legalHold: r.legalHold,
        };
      },
      async legalHold(_: unknown, args: { site: string; cookieId: string; basis: string }, ctx: RequestContext) {
        const basis = text(args.basis, 'basis', 'the legal reference the hand-over is made under');
        const site = await siteOf(args.site);
        // NOTE: logged before the read, so even a failed hand-over leaves its basis in the audit log.
        ctx.audit.transfer(`legal hold of one subject to a state body under "${basis}"`);
        const held = await subjects.held(site.id, pidsOf(site, args.cookieId));
        if (held === undefined) return null;
        return {
          erasures: held.erasures,
          events: held.events.map(eventView),
          consent: held.consent === undefined ? null : fromFlags(held.consent),
          consentLog: held.consentLog.map(consentChangeView),
          segments: held.segments,
        };
      },
      async retentionReport(_: unknown, args: { site: string; language: 'EN' | 'RU' }) {
        return retentionReport(store, await siteOf(args.site), deps.policy, args.language === 'RU' ? 'ru' : 'en');
      },
    },
    Mutation: {
      async setConsent(_: unknown, args: { site: string; cookieId: string; consent: Consent }) {
        const site = await siteOf(args.site);
        const flags = toFlags(args.consent);
        await consents.record([{ site: site.id, pseudonym: pseudonymiser.pseudonymise(site.id, checkCookieId(args.cookieId)), flags }], 'api');
        return fromFlags(flags);
      },
      async eraseSubject(_: unknown, args: { site: string; cookieId: string; reason: string }, ctx: RequestContext) {
        const reason = text(args.reason, 'reason', 'why the data is erased (the request it answers)');
        const site = await siteOf(args.site);
        const receipt = await subjects.erase(site.id, pidsOf(site, args.cookieId), reason);
        ctx.audit.note(`erasure ${receipt.id} of ${receipt.eventsErased} events: ${reason}`);
        return { ...receipt, contact: deps.contact === '' ? null : deps.contact };
      },
    },
  };
}
