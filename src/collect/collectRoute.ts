// POST /collect: one event or {"events":[…]}; good events are kept, bad ones refused by index.
// The answer (202) is sent only once the accepted events are fsynced in the spool.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../observability/metrics.ts';
import { SpoolFullError, type Spool } from '../pipeline/spool.ts';
import type { Pseudonymiser } from '../privacy/pseudonymiser.ts';
import { toEventRow } from '../privacy/toEventRow.ts';
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
  spool: Spool;
  metrics: Metrics;
}

const REASONS = new Set(['event', 'site', 'type', 'url', 'ts', 'name', 'screen', 'lang', 'props', 'referrer', 'cid', 'eid']);

/** A bounded label for the refusal metric: the field the message names. */
function reasonOf(message: string): string {
  const field = /^[a-z]+/.exec(message)?.[0] ?? '';
  return REASONS.has(field) ? field : 'other';
}

export function createCollectRoute(deps: CollectDeps, opts: CollectOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readJson(req, opts.maxBodyBytes);
    const batch = body !== null && typeof body === 'object' && 'events' in body ? (body as { events: unknown }).events : [body];
    if (!Array.isArray(batch)) return sendJson(res, 400, { error: 'events must be an array of events' });
    if (batch.length > opts.maxEvents) return sendJson(res, 413, { error: `events must hold at most ${opts.maxEvents} events` });
    deps.metrics.eventsReceived.inc(batch.length);

    const now = Date.now();
    const traits = {
      ip: req.socket.remoteAddress ?? '',
      userAgent: req.headers['user-agent'] ?? '',
      cookieId: cookieValue(req.headers.cookie, '_cid'),
    };
    let ndjson = '';
    let accepted = 0;
    const perSite = new Map<string, number>();
    const rejected: Array<{ index: number; error: string }> = [];
    for (let index = 0; index < batch.length; index++) {
      try {
        const event = validateEvent(batch[index], now);
        const site = await deps.sites.get(event.site);
        if (site === undefined) throw new EventError(`site "${event.site}" is not registered`);
        if (!site.hostnames.includes(event.url.hostname)) {
          throw new EventError(`url host "${event.url.hostname}" is not a registered host name of site "${site.id}"`);
        }
        ndjson += `${JSON.stringify(await toEventRow(event, site, traits, deps.pseudonymiser))}\n`;
        accepted++;
        perSite.set(site.id, (perSite.get(site.id) ?? 0) + 1);
      } catch (err) {
        if (!(err instanceof EventError)) throw err;
        rejected.push({ index, error: err.message });
        deps.metrics.eventsRejected.inc({ reason: reasonOf(err.message) });
      }
    }
    if (accepted > 0) {
      try {
        await deps.spool.append(Buffer.from(ndjson));
      } catch (err) {
        // Nothing of this request was kept: the client may retry all of it.
        if (err instanceof SpoolFullError) return sendJson(res, 503, { error: 'the collector cannot take more events now; retry later' }, { 'retry-after': '5' });
        throw err;
      }
    }
    for (const [site, n] of perSite) deps.metrics.eventsAccepted.inc({ site }, n);
    sendJson(res, 202, { accepted, rejected });
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
