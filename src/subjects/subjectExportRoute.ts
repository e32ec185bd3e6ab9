// GET /v1/subjects/export?site=…&cookie=…[&format=json|csv]: the subject export as a download, with the
// same key, purpose (SUBJECT_REQUEST) and checks as exportSubject; every request is audited.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENT_LIMITS, isCookieId } from '../collect/validateEvent.ts';
import type { ApiKeyStore } from '../access/apiKeyStore.ts';
import { checkAccess, denialStatus } from '../access/checkAccess.ts';
import { requestAccess } from '../access/requestAccess.ts';
import type { RecordOperation } from '../audit/auditPlugin.ts';
import { AuditTrail } from '../audit/auditTrail.ts';
import { fromFlags } from '../consent/consentFlags.ts';
import { sendJson, sendText } from '../http/respond.ts';
import type { Pseudonymiser } from '../privacy/pseudonymiser.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import type { SubjectData } from './subjectData.ts';
import { consentChangeView, eventsCsv, eventView } from './subjectView.ts';

const ROUTE = 'GET /v1/subjects/export';
const PURPOSES = new Set(['SUBJECT_REQUEST'] as const);

export function subjectExportRoute(deps: { keys: ApiKeyStore; sites: SiteStore; subjects: SubjectData; pseudonymiser: Pseudonymiser; record: RecordOperation }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const context = {
      access: await requestAccess(req.headers, undefined, deps.keys),
      audit: new AuditTrail(),
      response: {},
    };
    const site = q.get('site') ?? '';
    const fail = (status: number, code: string, error: string) => {
      sendJson(res, status, { error, code });
      deps.record(context, ROUTE, undefined, code);
    };
    const denial = checkAccess(context.access, ROUTE, PURPOSES, site === '' ? [] : [site]);
    context.audit.touch(ROUTE, site === '' ? [] : [site], denial?.code);
    if (denial !== undefined) return fail(denialStatus(denial), denial.code, denial.message);
    const cookie = q.get('cookie') ?? '';
    const format = q.get('format') ?? 'json';
    if (site === '') return fail(400, 'BAD_USER_INPUT', 'site is required');
    if (!isCookieId(cookie)) return fail(400, 'BAD_USER_INPUT', `cookie must be a cookie id of 1 to ${EVENT_LIMITS.maxCidLength} characters`);
    if (format !== 'json' && format !== 'csv') return fail(400, 'BAD_USER_INPUT', 'format must be json or csv');
    const found = await deps.sites.get(site);
    if (found === undefined) return fail(404, 'NOT_FOUND', `site "${site.slice(0, 64)}" does not exist`);
    let r;
    try {
      r = await deps.subjects.export(found.id, deps.pseudonymiser.pseudonymiseAll(found.id, cookie).map((p) => p.pid));
    } catch (err) {
      // Audited like every other request, then answered by the server.
      deps.record(context, ROUTE, undefined, 'INTERNAL_SERVER_ERROR');
      throw err;
    }
    const name = `subject-${found.id}-${new Date().toISOString().slice(0, 10)}.${format}`;
    if (format === 'csv') {
      res.setHeader('content-disposition', `attachment; filename="${name}"`);
      sendText(res, 200, eventsCsv(r.events), 'text/csv; charset=utf-8');
    } else {
      const body = { events: r.events.map(eventView), consent: r.consent === undefined ? null : fromFlags(r.consent), consentLog: r.consentLog.map(consentChangeView), segments: r.segments, legalHold: r.legalHold };
      sendJson(res, 200, body, { 'content-disposition': `attachment; filename="${name}"` });
    }
    deps.record(context, ROUTE, { events: r.events }, undefined);
  };
}
