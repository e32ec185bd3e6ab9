// How CLI commands reach a running Calypso: over its HTTP API (the embedded engine is locked by the
// running process, and a server deployment has many), with the admin key.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.ts';

export interface ServiceClient {
  readonly url: string;
  graphql<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /**
   * Sends NDJSON events to /v1/import; returns the service's answer. With `batchId`, a batch the service
   * stored before (a retry, a re-run) is answered as then and not stored again.
   */
  importBatch(ndjson: string, batchId?: string): Promise<{ accepted: number; rejected: Array<{ index: number; error: string }> }>;
}

export class CliError extends Error {
  override name = 'CliError';
}

export function adminKeyOf(config: Config): string {
  if (config.adminKey !== undefined) return config.adminKey;
  const file = path.join(config.dataDir, 'secrets', 'admin.key');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    throw new CliError(`no admin key: set CALYPSO_ADMIN_KEY, or start Calypso once so that it writes ${file}`);
  }
}

/** A connection refused: nothing was sent. Any other failure may have come after the service took the request. */
const refused = (err: unknown) => (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';

export function createServiceClient(url: string, adminKey: string): ServiceClient {
  const unreachable = () => new CliError(`cannot reach Calypso at ${url}: start it (npm start) or pass --url`);
  const call = async (route: string, init: RequestInit): Promise<Response> => {
    try {
      return await fetch(`${url}${route}`, init);
    } catch {
      throw unreachable();
    }
  };
  return {
    url,
    async graphql<T>(query: string, variables?: Record<string, unknown>) {
      const res = await call('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: T; errors?: Array<{ message: string; extensions?: { code?: string; field?: string } }> };
      const first = body.errors?.[0];
      if (first !== undefined) throw Object.assign(new CliError(first.message), { code: first.extensions?.code, field: first.extensions?.field });
      return body.data as T;
    },
    async importBatch(ndjson, batchId) {
      const headers: Record<string, string> = { 'content-type': 'application/x-ndjson', authorization: `Bearer ${adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION' };
      if (batchId !== undefined) headers['x-calypso-import-batch'] = batchId;
      for (let attempt = 1; ; attempt++) {
        let res: Response;
        let text: string;
        try {
          res = await fetch(`${url}/v1/import`, { method: 'POST', headers, body: ndjson });
          text = await res.text();
        } catch (err) {
          // The connection dropped, perhaps after the batch was stored: with an id, sending it again is safe.
          if (batchId === undefined || refused(err) || attempt >= 20) throw unreachable();
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        if (res.status === 503 && attempt < 20) {
          // The spool is full while ClickHouse catches up: wait as told. Safe to send again: a 503 keeps
          // nothing, and the batch id makes a batch that was stored after all answer as then.
          await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
          continue;
        }
        let body: { accepted: number; rejected: Array<{ index: number; error: string }>; error?: string };
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          throw new CliError(`import refused (${res.status}): the answer is not Calypso's`);
        }
        if (res.status !== 202) throw new CliError(`import refused (${res.status}): ${body.error ?? 'unknown error'}`);
        return body;
      }
    },
  };
}
