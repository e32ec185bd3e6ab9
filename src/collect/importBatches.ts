// Idempotent imports. `calypso import` names each batch (X-Calypso-Import-Batch: a hash of the batch's
// content and place in the file); the service keeps the ids of the batches it stored, with the answer it
// gave, in `import_batches`. A batch sent again (a retry after an answer that was lost or an error, or
// the same file run again) is answered with that result and nothing is stored twice.
import type { SpoolPart } from '../consent/appendTogether.ts';
import { ApiError, ErrorCode, InputError } from '../errors/apiError.ts';
import type { Spool } from '../pipeline/spool.ts';
import type { EventStore } from '../store/eventStore.ts';
import { nowSql } from '../store/sqlTime.ts';
import type { IngestResult } from './ingest.ts';

export const IMPORT_BATCH_HEADER = 'x-calypso-import-batch';
const BATCH_ID = /^[A-Za-z0-9_.:-]{16,128}$/;

/** Makes the spool record that remembers a batch, to be appended together with the batch's events. */
export type BatchMarker = (result: IngestResult) => SpoolPart;

export interface ImportBatches {
  /**
   * Runs `store` unless the batch was stored before, in which case its stored answer is returned.
   * `store` gets the marker to append with the events: the batch is remembered exactly when they are kept.
   */
  once(id: string, store: (marker: BatchMarker) => Promise<IngestResult>): Promise<IngestResult>;
}

export interface ImportBatchesDeps {
  store: EventStore;
  /** The spool of `import_batches`. */
  spool: Spool;
  /** Delivers what this process spooled into `import_batches`; false when ClickHouse did not take it. */
  flush(): Promise<boolean>;
}

/** The header's batch id, or undefined when the request has none (a plain import, not deduplicated). */
export function parseBatchId(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !BATCH_ID.test(header)) throw new InputError(IMPORT_BATCH_HEADER, 'X-Calypso-Import-Batch must be 16 to 128 letters, digits, "_", ".", ":" or "-"');
  return header;
}

const unavailable = (cause?: unknown) =>
  new ApiError(ErrorCode.SERVICE_UNAVAILABLE, 'the event store cannot tell now whether this batch was stored before; retry later', { retryAfter: 5, cause });

export function createImportBatches(deps: ImportBatchesDeps): ImportBatches {
  const inFlight = new Map<string, Promise<IngestResult>>();

  const lookUp = async (id: string): Promise<IngestResult | undefined> => {
    // NOTE: the batches this process remembered but has not delivered yet must be in ClickHouse before it
    // is asked. Another instance's undelivered ones are not seen: a retry sent to another collector within
    // a flush interval of the first answer may be stored twice.
    if (!(await deps.flush())) throw unavailable();
    let rows: Array<{ result: string }>;
    try {
      rows = await deps.store.query<{ result: string }>('SELECT result FROM import_batches WHERE id = {id:String} ORDER BY created_at LIMIT 1', { id });
    } catch (err) {
      throw unavailable(err);
    }
    return rows.length === 0 ? undefined : (JSON.parse(rows[0]!.result) as IngestResult);
  };

  const marker = (id: string): BatchMarker => (result) => ({
    spool: deps.spool,
    payload: Buffer.from(`${JSON.stringify({ id, result: JSON.stringify(result), created_at: nowSql() })}\n`),
  });

  return {
    async once(id, store) {
      // One request per id at a time in this process: a repeat arriving meanwhile waits and then finds it.
      for (let prior = inFlight.get(id); prior !== undefined; prior = inFlight.get(id)) await prior.catch(() => {});
      const run = (async () => (await lookUp(id)) ?? (await store(marker(id))))();
      inFlight.set(id, run);
      try {
        return await run;
      } finally {
        if (inFlight.get(id) === run) inFlight.delete(id);
      }
    },
  };
}
