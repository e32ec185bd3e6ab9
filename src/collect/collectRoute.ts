// POST /collect: one event or {"events":[…]}; good events are kept, bad ones refused by index.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Batcher } from '../pipeline/batcher.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Pseudonymiser } from '../privacy/pseudonymiser.ts';
import { toEventRow, type EventRow } from '../privacy/toEventRow.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import { readJson } from '../http/readBody.ts';
import { sendJson } from '../http/respond.ts';
import { EventError, validateEvent } from './validateEvent.ts';

export interface CollectOptions {
  /** Most events in one request. Default 500. */
  maxEvents: number;
  /** Largest body accepted. Default 1 MiB. */
  maxBodyBytes: number;
}

export interface CollectDeps {
  sites: SiteStore;
  pseudonymiser: Pseudonymiser;
  batcher: Batcher<EventRow>;
  metrics: Metrics;
}

export function createCollectRoute(deps: CollectDeps, opts: CollectOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readJson(req, opts.maxBodyBytes);
    const batch = body !== null && typeof body === 'object' && 'events' in body ? (body as { events: unknown }).events : [body];
    if (!Array.isArray(batch)) return sendJson(res, 400, { error: 'events must be an array of events' });
    if (batch.length > opts.maxEvents) return sendJson(res, 413, { error: `events must hold at most ${opts.maxEvents} events` });

    const now = Date.now();
    const traits = {
      ip: req.socket.remoteAddress ?? '',
      userAgent: req.headers['user-agent'] ?? '',
      cookieId: cookieValue(req.headers.cookie, '_cid'),
    };
    const rows: EventRow[] = [];
    const rejected: Array<{ index: number; error: string }> = [];
    for (let index = 0; index < batch.length; index++) {
      try {
        const event = validateEvent(batch[index], now);
        const site = await deps.sites.get(event.site);
        if (site === undefined) throw new EventError(`site "${event.site}" is not registered`);
        if (!site.hostnames.includes(event.url.hostname)) {
          throw new EventError(`url host "${event.url.hostname}" is not a registered host name of site "${site.id}"`);
        }
        rows.push(await toEventRow(event, site, traits, deps.pseudonymiser));
      } catch (err) {
        if (!(err instanceof EventError)) throw err;
        rejected.push({ index, error: err.message });
      }
    }
    // All or nothing for the accepted part: a full buffer refuses the request instead of half-taking it.
    if (!deps.batcher.offer(rows)) {
      return sendJson(res, 503, { error: 'the collector is overloaded; retry later' }, { 'retry-after': '1' });
    }
    for (const r of rows) deps.metrics.eventsAccepted.inc({ site: r.site });
    if (rejected.length > 0) deps.metrics.eventsRejected.inc(rejected.length);
    sendJson(res, 202, { accepted: rows.length, rejected });
  };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      return v === '' ? undefined : v;
    }
  }
  return undefined;
}
