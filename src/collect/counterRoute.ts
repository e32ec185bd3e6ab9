// GET /counter.js: the counter script, served from memory with a precomputed gzip.
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

export const COUNTER_FILE = new URL('./counter/counter.js', import.meta.url);

export function counterRoute() {
  const body = fs.readFileSync(COUNTER_FILE);
  const gzipped = gzipSync(body, { level: 9 });
  const headers = { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=3600', vary: 'Accept-Encoding', 'access-control-allow-origin': '*' };
  return (req: IncomingMessage, res: ServerResponse) => {
    const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
    res.writeHead(200, { ...headers, ...(gzip ? { 'content-encoding': 'gzip' } : {}), 'content-length': String(gzip ? gzipped.length : body.length) });
    res.end(gzip ? gzipped : body);
  };
}
