// POST /v1/import: historical events for back-fills and demos, through the same validation and
// pseudonymisation as /collect but of any age. An operation like any other: a key, the purpose
// ADMINISTRATION declared, every site the events name within the key's, one audit row per call (its
// accepted and refused counts). Each event may carry the `ip` and `ua` of the original hit, reduced here
// and dropped like a live request's.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller, RestAccess } from '../access/restAccess.ts';
import type { Logger } from '../observability/logger.ts';
import { ApiError, InputError } from '../errors/apiError.ts';
import { SpoolFullError } from '../pipeline/spool.ts';
import { readBody } from '../http/readBody.ts';
import { sendJson } from '../http/respond.ts';
import { SPOOL_FULL } from './collectRoute.ts';
import { IMPORT_BATCH_HEADER, parseBatchId } from './importBatches.ts';
import { ingest, type IngestDeps } from './ingest.ts';
import { EVENT_LIMITS } from './validateEvent.ts';

export interface ImportOptions {
  /** Largest body accepted. Default 16 MiB. */
  maxBodyBytes: number;
  /** Most events in one request. Default 10 000. */
  maxEvents: number;
}

const ROUTE = 'POST /v1/import';
const ADMINISTRATION = new Set(['ADMINISTRATION'] as const);
const IMPORT_LIMITS = { ...EVENT_LIMITS, maxAgeMs: Number.MAX_SAFE_INTEGER };

export function importRoute(deps: IngestDeps, rest: RestAccess, log: Logger, opts: ImportOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let caller: Caller | undefined;
    let sites: string[] = [];
    try {
      caller = await rest.caller(req);
      // Who and why before the body is read.
      rest.check(caller, ROUTE, ADMINISTRATION, []);
      const text = await readBody(req, opts.maxBodyBytes);
      const events: unknown[] = [];
      for (const [i, line] of text.split('\n').entries()) {
        if (line.trim() === '') continue;
        try {
          events.push(JSON.parse(line));
        } catch {
          throw new InputError(`line ${i + 1}`, `line ${i + 1} is not valid JSON`);
        }
      }
      if (events.length > opts.maxEvents) throw new ApiError('PAYLOAD_TOO_LARGE', `send at most ${opts.maxEvents} events per request`);
      // Every site the events name must be within the key's (validation refuses the events without one).
      sites = [...new Set(events.map((e) => (e as { site?: unknown } | null)?.site).filter((s): s is string => typeof s === 'string'))];
      rest.check(caller, ROUTE, ADMINISTRATION, sites);
      const traits = (raw: unknown) => {
        const e = (raw ?? {}) as { ip?: unknown; ua?: unknown };
        return { ip: typeof e.ip === 'string' ? e.ip : '', userAgent: typeof e.ua === 'string' ? e.ua : '', cookieId: undefined };
      };
      let result;
      try {
        result = await ingest(events, traits, deps, IMPORT_LIMITS, { source: 'import', batchId: parseBatchId(req.headers[IMPORT_BATCH_HEADER]) });
      } catch (err) {
        // ConsentUnavailableError is the catalogue's 503 already: rest.fail answers it as it is.
        throw err instanceof SpoolFullError ? SPOOL_FULL : err;
      }
      const keyId = caller.access.auth.kind === 'ok' ? caller.access.auth.key.id : '';
      log.info({ keyId, accepted: result.accepted, refused: result.rejected.length }, 'import');
      sendJson(res, 202, result);
      rest.done(caller, ROUTE, sites, result.accepted, `import: ${result.accepted} accepted, ${result.rejected.length} refused`);
    } catch (err) {
      rest.fail(res, caller, ROUTE, sites, err);
    }
  };
}
