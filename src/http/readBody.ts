import type { IncomingMessage } from 'node:http';
import { ApiError, ErrorCode } from '../errors/apiError.ts';

const tooLarge = (maxBytes: number) => new ApiError(ErrorCode.PAYLOAD_TOO_LARGE, `body must be at most ${maxBytes} bytes`);

/**
 * Reads the request body up to `maxBytes`; larger bodies are refused (PAYLOAD_TOO_LARGE, 413), not buffered.
 * Events rather than an async iterator: this is on the path of every hit.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return read(req, maxBytes, (text) => text);
}

/** The body parsed as JSON; BAD_USER_INPUT when it is empty or not JSON. */
export function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  // Parsed as the body ends, in the one promise of the read: no second promise per hit.
  return read(req, maxBytes, parseJson);
}

function read<T>(req: IncomingMessage, maxBytes: number, done: (text: string) => T): Promise<T> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      refused = true;
      req.off('data', onData);
      req.resume(); // drain without keeping it
      reject(tooLarge(maxBytes));
    };
    req.on('data', onData);
    req.once('end', () => {
      if (refused) return; // answered already: what was read is neither decoded nor parsed
      try {
        resolve(done(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    });
    req.once('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // The whole body is at fault, not one field: BAD_USER_INPUT without a field. An empty body is told
    // apart only here, once parsing failed: a hit's body is not copied by trim() on the way.
    if (text.trim() === '') throw new ApiError(ErrorCode.BAD_USER_INPUT, 'body must be JSON; it was empty');
    throw new ApiError(ErrorCode.BAD_USER_INPUT, 'body must be valid JSON');
  }
}
