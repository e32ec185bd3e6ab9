import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  override name = 'BodyError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * Reads the request body up to `maxBytes`; larger bodies are refused with 413, not buffered.
 * Events rather than an async iterator: this is on the path of every hit.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) return Promise.reject(new BodyError(413, `body must be at most ${maxBytes} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume(); // drain without keeping it
      reject(new BodyError(413, `body must be at most ${maxBytes} bytes`));
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const text = await readBody(req, maxBytes);
  if (text.trim() === '') throw new BodyError(400, 'body must be JSON; it was empty');
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError(400, 'body must be valid JSON');
  }
}
