// `calypso import` stores each event once: a batch retried after an answer it did not get (here a real
// 503 given by a proxy after the service had stored the batch), and the whole file run again, on the
// same service, after a restart, and on a fresh instance sharing a remote ClickHouse.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFile } from '../../src/cli/importCommand.ts';
import { createServiceClient } from '../../src/cli/serviceClient.ts';
import { startChdbHttpServer, type ChdbHttpServer } from '../support/chdbHttpServer.ts';
import { BROWSER_UA, siteWithKey, startTestService, tempDir, type TestService } from '../support/testService.ts';

const LINES = 1_250;
const BATCH = 500;
const CONSENTING = 40;

function writeFile(dir: string, site: string): string {
  const file = path.join(dir, 'events.ndjson');
  const day = Date.now() - 5 * 86_400_000;
  const lines = Array.from({ length: LINES }, (_, i) => {
    const e: Record<string, unknown> = { site, url: `https://${site}.example/p/${i % 17}`, cid: `v${i % 300}`, ts: day + i * 1_000, ua: BROWSER_UA, ip: '203.0.113.9' };
    // A consent change on the first hit of some cookies: the consent log must not double either.
    if (i < CONSENTING) e.consent = { statistics: true, advertising: i % 2 === 0 };
    return JSON.stringify(e);
  });
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const counts = async (svc: TestService, site: string) => {
  await svc.flush();
  const n = async (table: string) => Number((await svc.store.query<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE site = {site:String}`, { site }))[0]!.n);
  return { events: await n('events'), consentLog: await n('consent_log') };
};

const runImport = async (url: string, adminKey: string, file: string) => importFile(file, createServiceClient(url, adminKey), () => {}, BATCH);

describe('import batches are stored once (embedded engine)', () => {
  let svc: TestService;
  let file: string;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    svc = await startTestService();
    await siteWithKey(svc, 'imp', ['STATISTICS']);
    file = writeFile(dir, 'imp');
  });
  afterAll(async () => {
    await svc?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a second run of the same file stores nothing more and reports the same', async () => {
    const first = await runImport(svc.url, svc.adminKey, file);
    expect(first).toMatchObject({ lines: LINES, accepted: LINES, refused: [] });
    expect(await counts(svc, 'imp')).toEqual({ events: LINES, consentLog: CONSENTING });
    const again = await runImport(svc.url, svc.adminKey, file);
    expect(again).toEqual(first);
    expect(await counts(svc, 'imp')).toEqual({ events: LINES, consentLog: CONSENTING });
  });

  it('a batch stored but answered 503, or whose connection dropped before the answer, is retried without being stored twice', async () => {
    await siteWithKey(svc, 'lost', ['STATISTICS']);
    const lostFile = writeFile(fs.mkdtempSync(path.join(dir, 'lost-')), 'lost');
    let forwarded = 0;
    // A proxy in front of the service: the second and third batches reach the service, which stores
    // them; the proxy throws the 202s away and answers the second with a 503, as a failing load balancer
    // would, and drops the third's connection.
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const n = ++forwarded;
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length')) as Record<string, string>;
        const answer = await fetch(`${svc.url}${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) });
        const body = await answer.text();
        if (n === 2) {
          expect(answer.status).toBe(202);
          res.writeHead(503, { 'retry-after': '0', 'content-type': 'application/json' }).end('{"error":"upstream timed out"}');
          return;
        }
        if (n === 4) {
          expect(answer.status).toBe(202);
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(body);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    try {
      const summary = await runImport(`http://127.0.0.1:${(proxy.address() as { port: number }).port}`, svc.adminKey, lostFile);
      expect(forwarded).toBe(Math.ceil(LINES / BATCH) + 2);
      expect(summary).toMatchObject({ lines: LINES, accepted: LINES, refused: [] });
    } finally {
      await new Promise((r) => proxy.close(r));
    }
    expect(await counts(svc, 'lost')).toEqual({ events: LINES, consentLog: CONSENTING });
  });

  it('remembers the batches across a restart', async () => {
    await svc.stop();
    svc = await startTestService({ dataDir: svc.dataDir });
    await runImport(svc.url, svc.adminKey, file);
    expect(await counts(svc, 'imp')).toEqual({ events: LINES, consentLog: CONSENTING });
  });

  it('refuses a malformed batch id with 400, naming the header', async () => {
    const res = await fetch(`${svc.url}/v1/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION', 'x-calypso-import-batch': 'short' },
      body: `${JSON.stringify({ site: 'imp', url: 'https://imp.example/x' })}\n`,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'BAD_USER_INPUT', field: 'x-calypso-import-batch' });
    expect(await counts(svc, 'imp')).toEqual({ events: LINES, consentLog: CONSENTING });
  });
});

describe('import batches are stored once (remote ClickHouse, a fresh instance for the re-run)', () => {
  let ch: ChdbHttpServer;
  let dir: string;
  const env = {
    CLICKHOUSE_URL: '',
    CLICKHOUSE_DATABASE: `calypso_imp_${process.pid}`,
    CALYPSO_ADMIN_KEY: `cly_admin_${randomBytes(24).toString('base64url')}`,
    CALYPSO_PSEUDONYM_KEYS: `1:${randomBytes(32).toString('base64')}`,
  };
  beforeAll(async () => {
    dir = tempDir();
    ch = await startChdbHttpServer(tempDir());
    env.CLICKHOUSE_URL = ch.url;
  });
  afterAll(async () => {
    await ch?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a second instance (its own data directory) does not store again what the first stored', async () => {
    const first = await startTestService({ env });
    const file = writeFile(dir, 'remote');
    try {
      await siteWithKey(first, 'remote', ['STATISTICS']);
      expect((await runImport(first.url, first.adminKey, file)).accepted).toBe(LINES);
    } finally {
      await first.stop();
    }
    const second = await startTestService({ env });
    try {
      expect((await runImport(second.url, second.adminKey, file)).accepted).toBe(LINES);
      expect(await counts(second, 'remote')).toEqual({ events: LINES, consentLog: CONSENTING });
    } finally {
      await second.stop();
    }
  });

  it('answers 503 to a batch while ClickHouse cannot say whether it was stored, and stores it once when it can', async () => {
    const svc = await startTestService({ env });
    try {
      await siteWithKey(svc, 'outage', ['STATISTICS']);
      const body = `${JSON.stringify({ site: 'outage', url: 'https://outage.example/x', ts: Date.now() - 86_400_000, ua: BROWSER_UA })}\n`;
      const send = () => fetch(`${svc.url}/v1/import`, { method: 'POST', headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION', 'x-calypso-import-batch': 'b'.repeat(64) }, body });
      await ch.stop();
      const during = await send();
      expect(during.status).toBe(503);
      expect(during.headers.get('retry-after')).toBe('5');
      await ch.restart();
      expect((await send()).status).toBe(202);
      expect((await send()).status).toBe(202);
      expect(await counts(svc, 'outage')).toEqual({ events: 1, consentLog: 0 });
    } finally {
      await svc.stop();
    }
  });
});
