// The service of bench/cachedPathCpu.ts, started in this process from the checkout at argv[2] as
// bench:stats starts it (its data: statsBenchData.ts, visits formed by benchVisits.ts), then driven over
// stdin: each line `cpu` is answered on stdout with this process's CPU and its main thread's, in µs.
//   node bench/cachedPathServer.ts <checkout> <events>
import http from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';

const root = path.resolve(process.argv[2] ?? '.');
const events = Number(process.argv[3] ?? 200_000);
const load = <T>(file: string) => import(pathToFileURL(path.join(root, file)).href) as Promise<T>;

const { loadConfig } = await load<typeof import('../src/config/config.ts')>('src/config/config.ts');
const { createLogger } = await load<typeof import('../src/observability/logger.ts')>('src/observability/logger.ts');
const { startService } = await load<typeof import('../src/service.ts')>('src/service.ts');
const { freePort } = await load<typeof import('../test/support/ports.ts')>('test/support/ports.ts');
const { removeTempDirs, tempDir } = await load<typeof import('../test/support/testService.ts')>('test/support/testService.ts');
const data = await load<typeof import('./statsBenchData.ts')>('bench/statsBenchData.ts');
const { deriveBenchVisits } = await load<typeof import('./benchVisits.ts')>('bench/benchVisits.ts');

const config = { ...loadConfig({ CALYPSO_DATA_DIR: tempDir('calypso-bench-cached-'), CALYPSO_LOG_LEVEL: 'warn', PORT: String(await freePort()) }) };
const svc = await startService(config, { role: 'all', log: createLogger(config) });
const key = await data.createBenchSite(svc, data.benchGraphql(svc));
await data.generateBenchEvents(svc, events, Math.max(1_000, Math.round(events / 10)));
await deriveBenchVisits(svc.store);
// The floor: a bare node:http server in the same process answering each request's body with the
// answer the service gave to the same body (read once from the service), no checks, no cache.
const answers = new Map<string, string>();
const bare = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d: string) => (body += d));
  req.on('end', () => {
    const text = answers.get(body);
    if (text !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
      return;
    }
    void fetch(`${svc.url}/graphql`, { method: 'POST', headers: { ...(req.headers as Record<string, string>), host: new URL(svc.url).host }, body }).then(async (r) => {
      const t = await r.text();
      answers.set(body, t);
      res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(t)) });
      res.end(t);
    });
  });
});
await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
const barePort = (bare.address() as { port: number }).port;
process.stdout.write(`${JSON.stringify({ url: svc.url, bare: `http://127.0.0.1:${barePort}`, key })}\n`);

for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line === 'cpu') {
    const p = process.cpuUsage();
    const t = process.threadCpuUsage();
    process.stdout.write(`${JSON.stringify({ process: p.user + p.system, thread: t.user + t.system })}\n`);
  }
}
bare.close();
await svc.stop();
removeTempDirs();
process.exit(0);
