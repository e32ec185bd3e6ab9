// `calypso import FILE.ndjson` and `calypso demo`: events, one JSON per line, sent in batches to the
// running service. Each batch carries an id made of its content and its place in the stream, so a
// retried batch, or the same file imported again, is stored once (the service remembers the ids).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import { CliError, type ServiceClient } from './serviceClient.ts';

export interface ImportSummary {
  lines: number;
  accepted: number;
  refused: Array<{ line: number; error: string }>;
}

/** Streams the file; progress goes to `progress` after each batch. */
export async function importFile(file: string, client: ServiceClient, progress: (s: ImportSummary) => void, batchSize = 5_000): Promise<ImportSummary> {
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new CliError(`cannot read ${file}: no such file, or not readable`);
  }
  return importLines(readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity }), client, progress, batchSize);
}

/** The batch's id: the same lines at the same place of the same stream give the same id. */
export function batchId(index: number, ndjson: string): string {
  return createHash('sha256').update(`${index}\n`).update(ndjson).digest('hex');
}

/** Sends the lines in batches; a line that is not JSON is refused here, naming its number. */
export async function importLines(
  lines: AsyncIterable<string> | Iterable<string>,
  client: ServiceClient,
  progress: (s: ImportSummary) => void,
  batchSize = 5_000,
): Promise<ImportSummary> {
  const summary: ImportSummary = { lines: 0, accepted: 0, refused: [] };
  let batchIndex = 0;
  let batch: string[] = [];
  let batchLines: number[] = [];
  const send = async () => {
    if (batch.length === 0) return;
    const ndjson = `${batch.join('\n')}\n`;
    const r = await client.importBatch(ndjson, batchId(batchIndex++, ndjson));
    summary.accepted += r.accepted;
    for (const x of r.rejected) summary.refused.push({ line: batchLines[x.index]!, error: x.error });
    batch = [];
    batchLines = [];
    progress(summary);
  };
  for await (const line of lines) {
    summary.lines++;
    if (line.trim() === '') continue;
    try {
      JSON.parse(line);
    } catch {
      summary.refused.push({ line: summary.lines, error: 'not valid JSON' });
      continue;
    }
    batch.push(line);
    batchLines.push(summary.lines);
    if (batch.length >= batchSize) await send();
  }
  await send();
  return summary;
}
