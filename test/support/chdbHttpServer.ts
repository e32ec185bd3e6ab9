// A small ClickHouse-HTTP-compatible endpoint backed by the real chDB engine (DESIGN.md, "Tests"):
// the client speaks real HTTP to the real engine, and the endpoint can be stopped to simulate an outage.
// It implements only what @clickhouse/client sends: /ping, query in the body, INSERT … FORMAT in `query`.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { createChdbConnection } from 'chdb/connection';

const NOT_SETTINGS = new Set(['query', 'query_id', 'database', 'session_id', 'role', 'default_format']);

export interface ChdbHttpServer {
  readonly url: string;
  /** Closes the listener and drops every open socket, as a crashed server would. */
  stop(): Promise<void>;
  /** Starts listening again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startChdbHttpServer(dataPath: string): Promise<ChdbHttpServer> {
  const conn = createChdbConnection({ path: dataPath });
  let currentDb = 'default';
  const sockets = new Set<Socket>();

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/ping') return void res.end('Ok.\n');
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const body = Buffer.concat(chunks).toString('utf8');
    const params: Record<string, string> = {};
    const settings: Record<string, string> = {};
    for (const [k, v] of url.searchParams) {
      if (k.startsWith('param_')) params[k.slice(6)] = v;
      else if (!NOT_SETTINGS.has(k)) settings[k] = v;
    }
    const inUrl = url.searchParams.get('query');
    try {
      const db = url.searchParams.get('database') ?? 'default';
      if (db !== currentDb) {
        await conn.command({ query: `USE ${db.replace(/[^A-Za-z0-9_]/g, '')}`, query_id: '' } as never);
        currentDb = db;
      }
      const result = await conn.exec({
        query: inUrl ?? body,
        query_params: params,
        clickhouse_settings: settings,
        ...(inUrl !== null ? { values: Readable.from([body]) } : {}),
      } as never);
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-clickhouse-summary': '{}' });
      (result as { stream: Readable }).stream.pipe(res);
    } catch (err) {
      const e = err as { code?: string; type?: string; message?: string };
      const code = e.code ?? '1000';
      res.writeHead(500, { 'x-clickhouse-exception-code': code });
      res.end(`Code: ${code}. DB::Exception: ${e.message ?? String(err)} (${e.type ?? 'UNKNOWN'}) (version 26.7.2.1)\n`);
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    stop,
    restart: () => listen(port),
    async close() {
      if (server.listening) await stop();
      await conn.close();
    },
  };
}
