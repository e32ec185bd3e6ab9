// GET /v1/subjects/export?site=…&cookie=…[&format=json|csv]: the subject export as a download, with the
// same key, purpose (SUBJECT_REQUEST) and checks as exportSubject; every request is audited.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENT_LIMITS, isCookieId } from '../collect/validateEvent.ts';
import type { Caller, RestAccess } from '../access/restAccess.ts';
import { fromFlags } from '../consent/consentFlags.ts';
import { ApiError, clip, echo, invalid } from '../errors/apiError.ts';
import { sendJson, sendText } from '../http/respond.ts';
import type { Pseudonymiser } from '../privacy/pseudonymiser.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import type { SubjectData } from './subjectData.ts';
import { consentChangeView, eventsCsv, eventView } from './subjectView.ts';

const ROUTE = 'GET /v1/subjects/export';
const PURPOSES = new Set(['SUBJECT_REQUEST'] as const);

export function subjectExportRoute(deps: { rest: RestAccess; sites: SiteStore; subjects: SubjectData; pseudonymiser: Pseudonymiser }) {
  const { rest } = deps;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let caller: Caller | undefined;
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const site = q.get('site') ?? '';
    const sites = site === '' ? [] : [site];
    try {
      caller = await rest.caller(req);
      rest.check(caller, ROUTE, PURPOSES, sites);
      const cookie = q.get('cookie') ?? '';
      const format = q.get('format') ?? 'json';
      if (site === '') throw invalid('site', 'site is required', 'required');
      if (!isCookieId(cookie)) throw invalid('cookie', `cookie must be a cookie id of 1 to ${EVENT_LIMITS.maxCidLength} characters`, 'length', { min: 1, max: EVENT_LIMITS.maxCidLength });
      if (format !== 'json' && format !== 'csv') throw invalid('format', 'format must be json or csv', 'oneOf', { allowed: ['json', 'csv'] });
      const found = await deps.sites.get(site);
      if (found === undefined) throw new ApiError('NOT_FOUND', `site ${echo(site)} does not exist`, { field: 'site', rule: 'notFound', params: { kind: 'site', id: clip(site) } });
      const r = await deps.subjects.export(found.id, deps.pseudonymiser.pseudonymiseAll(found.id, cookie).map((p) => p.pid));
      const name = `subject-${found.id}-${new Date().toISOString().slice(0, 10)}.${format}`;
      if (format === 'csv') {
        res.setHeader('content-disposition', `attachment; filename="${name}"`);
        sendText(res, 200, eventsCsv(r.events), 'text/csv; charset=utf-8');
      } else {
        const body = { events: r.events.map(eventView), consent: r.consent === undefined ? null : fromFlags(r.consent), consentLog: r.consentLog.map(consentChangeView), segments: r.segments, legalHold: r.legalHold };
        sendJson(res, 200, body, { 'content-disposition': `attachment; filename="${name}"` });
      }
      rest.done(caller, ROUTE, sites, r.events.length);
    } catch (err) {
      // Audited like every other request; a failure of ours is rethrown after, for the server to answer.
      rest.fail(res, caller, ROUTE, sites, err);
    }
  };
}
