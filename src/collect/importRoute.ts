// POST /v1/import: historical events for back-fills and demos, through the same validation and
// pseudonymisation as /collect but of any age. ADMINISTRATION keys only; each event may carry the
// `ip` and `ua` of the original hit, reduced here and dropped like a live request's.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { keyAllowsSite } from '../access/apiKey.ts';
import type { ApiKeyStore } from '../access/apiKeyStore.ts';
import type { Logger } from '../observability/logger.ts';
import { ConsentUnavailableError } from '../consent/consentStore.ts';
import { SpoolFullError } from '../pipeline/spool.ts';
import { readBody } from '../http/readBody.ts';
import { sendError, sendJson } from '../http/respond.ts';
import { ApiError } from '../errors/apiError.ts';
import { IMPORT_BATCH_HEADER, parseBatchId } from './importBatches.ts';
import { sendSpoolFull } from './collectRoute.ts';
import { ingest, type IngestDeps } from './ingest.ts';
import { EVENT_LIMITS } from './validateEvent.ts';

export interface ImportOptions {
  /** Largest body accepted. Default 16 MiB. */
  maxBodyBytes: number;
  /** Most events in one request. Default 10 000. */
  maxEvents: number;
}

const IMPORT_LIMITS = { ...EVENT_LIMITS, maxAgeMs: Number.MAX_SAFE_INTEGER };

export function importRoute(deps: IngestDeps, keys: ApiKeyStore, log: Logger, opts: ImportOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const found = m === null ? undefined : await keys.lookup(m[1]!);
    if (found?.kind !== 'ok') return sendJson(res, 401, { error: found?.kind === 'revoked' ? 'the API key has been revoked' : 'an API key with the ADMINISTRATION purpose is required' });
    if (!found.key.purposes.includes('ADMINISTRATION')) return sendJson(res, 403, { error: 'importing needs a key with the ADMINISTRATION purpose' });
    const text = await readBody(req, opts.maxBodyBytes);
    const events: unknown[] = [];
    for (const [i, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      try {
        events.push(JSON.parse(line));
      } catch {
        return sendJson(res, 400, { error: `line ${i + 1} is not valid JSON` });
      }
    }
    if (events.length > opts.maxEvents) return sendJson(res, 413, { error: `send at most ${opts.maxEvents} events per request` });
    const forbidden = events.findIndex((e) => typeof (e as { site?: unknown })?.site === 'string' && !keyAllowsSite(found.key, (e as { site: string }).site));
    if (forbidden !== -1) return sendJson(res, 403, { error: `event ${forbidden}: this API key has no access to its site` });
    const traits = (raw: unknown) => {
      const e = (raw ?? {}) as { ip?: unknown; ua?: unknown };
      return { ip: typeof e.ip === 'string' ? e.ip : '', userAgent: typeof e.ua === 'string' ? e.ua : '', cookieId: undefined };
    };
    try {
      const result = await ingest(events, traits, deps, IMPORT_LIMITS, 'import', parseBatchId(req.headers[IMPORT_BATCH_HEADER]));
      log.info({ keyId: found.key.id, accepted: result.accepted, refused: result.rejected.length }, 'import');
      sendJson(res, 202, result);
    } catch (err) {
      if (err instanceof SpoolFullError) return sendSpoolFull(res);
      if (err instanceof ApiError) return sendError(res, err);
      if (err instanceof ConsentUnavailableError) return sendJson(res, 503, { error: err.message }, { 'retry-after': '5' });
      throw err;
    }
  };
}
