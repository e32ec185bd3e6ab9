// The audit log's filters as the URL holds them (so a view can be bookmarked), and the query they make.
// Pages are fixed by pinning `to` to when the filters were applied: newer rows do not shift the pages.
import type { AuditQuery } from './queries.ts';

export interface AuditFilters {
  key: string;
  purpose: string;
  outcome: string;
  /** YYYY-MM-DD, UTC (the audit log's days). */
  from: string;
  to: string;
  page: number;
}

export const PAGE_SIZE = 50;
const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function filtersFrom(params: URLSearchParams, now = Date.now()): AuditFilters {
  const date = (name: string, fallback: string) => {
    const v = params.get(name) ?? '';
    return /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : fallback;
  };
  const page = Number(params.get('page') ?? '0');
  return {
    key: params.get('key') ?? '',
    purpose: params.get('purpose') ?? '',
    outcome: params.get('outcome') ?? '',
    from: date('from', day(now - 6 * DAY)),
    to: date('to', day(now)),
    page: Number.isInteger(page) && page >= 0 ? page : 0,
  };
}

/** The URL's query string for the filters (empty ones left out). */
export function filtersParams(f: AuditFilters): Record<string, string> {
  const p: Record<string, string> = { tab: 'audit', from: f.from, to: f.to };
  if (f.key !== '') p.key = f.key;
  if (f.purpose !== '') p.purpose = f.purpose;
  if (f.outcome !== '') p.outcome = f.outcome;
  if (f.page > 0) p.page = String(f.page);
  return p;
}

/** The query for a page: whole UTC days, `to` cut at `pinned`; one row more than a page, to know whether another follows. */
export function auditQuery(f: AuditFilters, pinned: number): AuditQuery {
  const from = Date.parse(`${f.from}T00:00:00Z`);
  const end = Math.min(Date.parse(`${f.to}T00:00:00Z`) + DAY, pinned);
  return {
    from: new Date(from).toISOString(),
    // An invalid range (to before from) is still sent: the API names the field that is wrong.
    to: new Date(Number.isNaN(end) ? pinned : end).toISOString(),
    keyId: f.key === '' ? undefined : f.key,
    purpose: f.purpose === '' ? undefined : f.purpose,
    outcome: f.outcome === '' ? undefined : f.outcome,
    limit: PAGE_SIZE + 1,
    offset: f.page * PAGE_SIZE,
  };
}
