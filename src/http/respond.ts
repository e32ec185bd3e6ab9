import type { ServerResponse } from 'node:http';
import { errorBody, type ApiError } from '../errors/apiError.ts';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  // The trailing newline keeps curl output readable; JSON parsers ignore it.
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The REST mapping of the error catalogue: its status, `Retry-After` when given, `{"error", "code", "field"?}`. */
export function sendError(res: ServerResponse, err: ApiError, headers: Record<string, string> = {}): void {
  const extra = err.retryAfter === undefined ? headers : { 'retry-after': String(err.retryAfter), ...headers };
  sendJson(res, err.status, errorBody(err), extra);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
