// Fuzzing the collector: a few thousand malformed and hostile requests (wrong types, huge strings,
// deep JSON, bad UTF-8, wrong content types, lying framing, prototype pollution) to POST /collect,
// GET /collect.gif and POST /consent. Every one must get a 4xx with a reason (or 202/200 for what is
// good in it), never a 5xx; the process stays healthy; and the events table holds exactly what was
// acknowledged as accepted: a refused event leaves no trace, an accepted one is not lost.
import fs from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFuzzRequests, type FuzzEvent, type FuzzRequest } from '../support/collectFuzzCases.ts';
import { siteWithKey, startTestService, type TestService } from '../support/testService.ts';

const SEED = 0xca1f50;
const TOTAL = 3_200;
const CONCURRENCY = 16;
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_EVENTS = 500;
/** A refusal carries the field it is about as data (README: "Errors"): an event's top-level field, or a consent flag. */
const FIELD = /^(site|url|type|ts|name|screen|lang|props|referrer|cid|eid|consent|event|ip|ua)(\.[a-zA-Z]+)?$/;
/** ...and its message names it too. */
const NAMED = /^(site|url|type|ts|name|screen|lang|props|referrer|cid|eid|consent|event|ip|ua)\b/;

interface Outcome {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The parsed body when it was declared JSON. */
  json: unknown;
  /** Set when the request got no HTTP answer at all. */
  error?: string;
}

describe('collector fuzzing', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ env: { CALYPSO_RATE_LIMIT_PER_IP: '1000000' } });
    await siteWithKey(svc, 'shop', ['STATISTICS']);
  });
  afterAll(() => svc?.stop());

  it('answers thousands of hostile requests with 4xx and reasons, stays healthy, and stores exactly what it accepted', async () => {
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const requests = generateFuzzRequests(TOTAL, { seed: SEED, now: Date.now(), maxBodyBytes: MAX_BODY_BYTES, maxEvents: MAX_EVENTS });
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const outcomes = new Array<Outcome>(requests.length);
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests.length) {
          const r = requests[next++]!;
          outcomes[r.id] = await send(svc.port, r, agent);
        }
      }),
    );
    agent.destroy();
    const elapsed = Date.now() - started;

    const failures: string[] = [];
    const fail = (r: FuzzRequest, what: string) => failures.push(`#${r.id} [${r.label}] ${r.method} ${r.path.slice(0, 120)} ${describeBody(r)}: ${what}`);
    /** event_ids the table must hold (known exactly), and how many accepted rows have an id we cannot predict. */
    const expectedIds: string[] = [];
    let unknownIds = 0;
    let accepted = 0;
    const statusCounts = new Map<string, number>();
    const accept = (e: FuzzEvent) => {
      accepted++;
      if (e.eid === undefined) unknownIds++;
      else expectedIds.push(e.eid);
    };

    for (const r of requests) {
      const o = outcomes[r.id]!;
      const key = `${r.route} ${o.error === undefined ? o.status : 'no answer'}`;
      statusCounts.set(key, (statusCounts.get(key) ?? 0) + 1);
      if (o.error !== undefined) {
        fail(r, `no HTTP answer (${o.error})`);
        continue;
      }
      if (o.status >= 500) fail(r, `${o.status} ${o.text.slice(0, 200)}`);
      else if (!r.statuses.includes(o.status)) fail(r, `status ${o.status}, expected ${r.statuses.join(' or ')}: ${o.text.slice(0, 200)}`);
      if (o.status >= 300 && isJson(o)) {
        const body = o.json as { error?: unknown; code?: unknown } | null;
        if (typeof body?.error !== 'string' || body.error === '') fail(r, `a ${o.status} without an error string: ${o.text.slice(0, 200)}`);
        if (typeof body?.code !== 'string' || !/^[A-Z_]+$/.test(body.code)) fail(r, `a ${o.status} without an error code: ${o.text.slice(0, 200)}`);
      }

      if (r.route === 'collect' && o.status === 202) {
        const body = o.json as { accepted?: unknown; rejected?: unknown };
        if (typeof body?.accepted !== 'number' || !Array.isArray(body.rejected)) {
          fail(r, `a 202 that is not {accepted, rejected}: ${o.text.slice(0, 200)}`);
          continue;
        }
        const events = r.events ?? [];
        const refused = new Map<number, string>();
        for (const x of body.rejected as Array<{ index?: unknown; error?: unknown; code?: unknown; field?: unknown }>) {
          const named = typeof x?.field === 'string' && FIELD.test(x.field) && typeof x.error === 'string' && NAMED.test(x.error) && x.code === 'BAD_USER_INPUT';
          if (typeof x?.index !== 'number' || !named) fail(r, `a refusal without its field and code: ${JSON.stringify(x).slice(0, 200)}`);
          else refused.set(x.index, x.error as string);
        }
        if (body.accepted + body.rejected.length !== events.length || refused.size !== body.rejected.length) {
          fail(r, `answered ${body.accepted} accepted + ${body.rejected.length} refused for ${events.length} events`);
        }
        events.forEach((e, i) => {
          const error = refused.get(i);
          if (error === undefined) {
            if (e.verdict === 'bad') fail(r, `accepted event ${i} (${e.note}) that must be refused`);
            accept(e);
          } else if (e.verdict === 'ok') fail(r, `refused event ${i} (${e.note}) that is good: ${error}`);
        });
        if (body.accepted !== events.length - refused.size) fail(r, `accepted count ${body.accepted} does not match the refusals`);
      }

      if (r.route === 'pixel' && (o.status === 200 || o.status === 400)) {
        const e = r.events?.[0];
        if (o.headers['content-type'] !== 'image/gif') fail(r, `the pixel answered ${o.headers['content-type']}`);
        if (e === undefined) continue;
        if (o.status === 200) {
          if (e.verdict === 'bad') fail(r, `accepted a pixel hit (${e.note}) that must be refused`);
          accept(e);
        } else {
          const reason = decodeURIComponent(o.headers['x-calypso-refused'] ?? '');
          if (!NAMED.test(reason)) fail(r, `a refused pixel without a field-named reason: ${JSON.stringify(reason)}`);
          if (e.verdict === 'ok') fail(r, `refused a good pixel hit (${e.note}): ${reason}`);
        }
      }

      if (r.route === 'consent' && o.status === 200) {
        const consent = (o.json as { consent?: Record<string, unknown> } | null)?.consent;
        const flags = ['statistics', 'personalization', 'advertising', 'thirdParty'];
        if (consent === undefined || Object.keys(consent).sort().join() !== [...flags].sort().join() || !flags.every((f) => typeof consent[f] === 'boolean')) {
          fail(r, `a 200 that is not {consent: {…four booleans}}: ${o.text.slice(0, 200)}`);
        }
      }
    }

    console.info(
      `collect fuzz: ${requests.length} requests in ${elapsed} ms, ${accepted} events accepted; statuses: ${[...statusCounts]
        .sort()
        .map(([k, n]) => `${k}×${n}`)
        .join(', ')}`,
    );

    // Nothing reached Object.prototype (the service runs in this process).
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);

    // Still healthy, and still taking hits.
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    const after = await svc.collect({ site: 'shop', url: 'https://shop.example/after-fuzz', eid: 'fz-after' });
    expect(after).toEqual({ status: 202, body: { accepted: 1, rejected: [] } });
    accept({ verdict: 'ok', eid: 'fz-after', note: 'the hit after the fuzzing' });

    // The table holds exactly what was acknowledged: nothing refused, nothing lost. (An accepted lone
    // surrogate got whole spool segments, good events of other requests with it, refused by ClickHouse.)
    await svc.flush();
    const rows = await svc.store.query<{ event_id: string }>('SELECT event_id FROM events');
    const stored = new Map<string, number>();
    for (const { event_id } of rows) stored.set(event_id, (stored.get(event_id) ?? 0) + 1);
    const missing: string[] = [];
    for (const id of expectedIds) {
      const n = stored.get(id) ?? 0;
      if (n === 0) missing.push(id);
      else stored.set(id, n - 1);
    }
    const unexpected = [...stored].flatMap(([id, n]) => Array<string>(n).fill(id));
    if (missing.length > 0) failures.push(`${missing.length} accepted events are not in the table, e.g. ${JSON.stringify(missing.slice(0, 5))}`);
    if (unexpected.length !== unknownIds) {
      failures.push(`${unexpected.length} rows have ids no accepted event predicted (expected ${unknownIds}), e.g. ${JSON.stringify(unexpected.slice(0, 5))}`);
    }
    if (rows.length !== accepted) failures.push(`the events table holds ${rows.length} rows; ${accepted} events were accepted`);

    // No 5xx that a client never saw (an aborted request), no spool segment refused by ClickHouse.
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    const bad = metrics.split('\n').filter((l) => /^calypso_http_requests_total\{.*status="5\d\d"/.test(l) || /^calypso_clickhouse_errors_total\{.*\} [1-9]/.test(l) || /^calypso_events_refused_total\{reason="other"\} [1-9]/.test(l));
    if (bad.length > 0) failures.push(`metrics: ${bad.join('; ')}`);
    failures.push(...setAside(svc.dataDir));

    expect(failures.slice(0, 40)).toEqual([]);
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
  }, 180_000);

  // The fuzzing's first find, on its own. JSON carries lone UTF-16 surrogates ("\ud800"); once they were
  // let through, JSON.stringify wrote them back as escapes and ClickHouse refused the whole spool segment
  // ("missing second part of surrogate pair"), set aside after the 202: every event in it was lost.
  it('refuses an event whose text holds a lone surrogate, naming the field, and keeps the good ones', async () => {
    const events = [
      { site: 'shop', url: 'https://shop.example/ls', eid: 'ls-good-1' },
      { site: 'shop', url: 'https://shop.example/ls', eid: 'ls-name', type: 'event', name: 'a\ud800b' },
      { site: 'shop', url: 'https://shop.example/ls', eid: 'ls-props', props: { k: 'v\udfff' } },
      { site: 'shop', url: 'https://shop.example/ls', eid: 'ls-eid\ud800' },
      { site: 'shop', url: 'https://shop.example/ls', eid: 'ls-referrer', referrer: 'https://ya.ru/\ud800' },
      { site: 'shop', url: 'https://shop.example/ls', eid: 'ls-good-2' },
    ];
    const res = await svc.collect({ events });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected.map((r) => [r.index, r.field, r.code])).toEqual([
      [1, 'name', 'BAD_USER_INPUT'],
      [2, 'props', 'BAD_USER_INPUT'],
      [3, 'eid', 'BAD_USER_INPUT'],
      [4, 'referrer', 'BAD_USER_INPUT'],
    ]);
    for (const r of res.body.rejected) expect(r.error).toMatch(/must be well-formed Unicode/);
    const consent = await fetch(`${svc.url}/consent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ site: 'shop', cid: 'c\ud800', consent: {} }) });
    expect(consent.status).toBe(400);
    expect(await consent.json()).toMatchObject({ code: 'BAD_USER_INPUT', field: 'cid' });
    await svc.flush();
    const rows = await svc.store.query<{ event_id: string }>("SELECT event_id FROM events WHERE startsWith(event_id, 'ls-') ORDER BY event_id");
    expect(rows.map((r) => r.event_id)).toEqual(['ls-good-1', 'ls-good-2']);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/^calypso_events_refused_total\{reason="referrer"\} [1-9]/m);
    expect(setAside(svc.dataDir)).toEqual([]);
  });

  // The audit row of every operation holds client text (the site argument, the operation's name) and
  // GraphQL strings reach storage: mended, so the audit spool is never refused by ClickHouse.
  it('stores the audit rows and GraphQL text that carried a lone surrogate, mended', async () => {
    const site = await svc.gql(svc.adminKey, 'ADMINISTRATION', 'query Probe($s: ID!) { retentionReport(site: $s) { __typename } }', { s: 'shop\ud800' });
    expect(site.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const made = await svc.gql<{ createSite: { name: string } }>(svc.adminKey, 'ADMINISTRATION', 'mutation($n: String!) { createSite(id: "surrogate", name: $n, hostnames: ["surrogate.example"]) { name } }', { n: 'Shop \udc00' });
    expect(made.data?.createSite.name).toBe('Shop \ufffd');
    const key = await svc.gql<{ createApiKey: { key: { name: string } } }>(svc.adminKey, 'ADMINISTRATION', 'mutation($n: String!) { createApiKey(name: $n, purposes: [STATISTICS], sites: ["surrogate"]) { key { name } } }', { n: 'marketing \udc00' });
    expect(key.data?.createApiKey.key.name).toBe('marketing \ufffd');
    const seg = await svc.gql<{ defineSegment: { id: string; name: string; rule: unknown } }>(
      svc.adminKey,
      'ADMINISTRATION',
      'mutation($n: String!, $e: String!) { defineSegment(site: "shop", name: $n, rule: { event: { name: $e } }) { id name rule } }',
      { n: 'buyers \ud800', e: 'x\udfff' },
    );
    expect(seg.errors).toBeUndefined();
    expect(seg.data?.defineSegment).toMatchObject({ name: 'buyers \ufffd', rule: { event: { name: 'x\ufffd' } } });
    const history = await svc.gql<{ segmentHistory: Array<{ name: string }> }>(svc.adminKey, 'ADMINISTRATION', `{ segmentHistory(id: "${seg.data?.defineSegment.id}") { name } }`);
    expect(history.data?.segmentHistory.map((d) => d.name)).toEqual(['buyers \ufffd']);
    await svc.flush();
    const audit = await svc.store.query<{ n: string }>("SELECT count() AS n FROM audit_log WHERE has(sites, {s:String})", { s: 'shop\ufffd' });
    expect(Number(audit[0]?.n)).toBeGreaterThan(0);
    expect(setAside(svc.dataDir)).toEqual([]);
  });
});

/** Spool segments ClickHouse refused, in every spool (events, consents, consent log, audit): there must be none. */
function setAside(dataDir: string): string[] {
  const root = path.join(dataDir, 'spool');
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).flatMap((table) => {
    const failed = path.join(root, table, 'failed');
    const files = fs.existsSync(failed) ? fs.readdirSync(failed) : [];
    return files.length === 0 ? [] : [`spool segments set aside in ${failed}: ${files.join(', ')}`];
  });
}

function isJson(o: Outcome): boolean {
  return /^application\/json\b/.test(o.headers['content-type'] ?? '');
}

function describeBody(r: FuzzRequest): string {
  const b = r.raw ?? r.body;
  if (b === undefined) return '';
  const shown = JSON.stringify(b.subarray(0, 160).toString('utf8'));
  return `body(${b.length} bytes${r.chunked === true ? ', chunked' : ''}) ${shown}${b.length > 160 ? '…' : ''}`;
}

function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function parseJson(headers: Record<string, string>, text: string): unknown {
  if (!/^application\/json\b/.test(headers['content-type'] ?? '')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Sends one request with node:http (raw bytes, chunking and all), or on a bare socket for `raw`. */
function send(port: number, r: FuzzRequest, agent: http.Agent): Promise<Outcome> {
  if (r.raw !== undefined) return sendRaw(port, r.raw);
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const big = (r.body?.length ?? 0) > 64 * 1024;
    const headers: Record<string, string> = { ...r.headers };
    if (r.body !== undefined && r.chunked !== true) headers['content-length'] = String(r.body.length);
    // A big body the server refuses unread spoils the connection for the next request: use its own.
    const req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers, agent: big ? false : agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = flatHeaders(res.headers);
        const text = Buffer.concat(chunks).toString('utf8');
        done({ status: res.statusCode ?? 0, headers: h, text, json: parseJson(h, text) });
      });
      res.on('error', (err) => done({ status: 0, headers: {}, text: '', json: undefined, error: err.message }));
    });
    const timer = setTimeout(() => {
      req.destroy();
      done({ status: 0, headers: {}, text: '', json: undefined, error: 'timed out' });
    }, 20_000);
    // Errors after the answer (the server closing on an unread body) are not the request's outcome.
    req.on('error', (err) => done({ status: 0, headers: {}, text: '', json: undefined, error: err.message }));
    if (r.body === undefined) return void req.end();
    if (r.chunked !== true) return void req.end(r.body);
    const body = r.body;
    let at = 0;
    const pump = () => {
      while (at < body.length && !settled) {
        const piece = body.subarray(at, at + 64 * 1024);
        at += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

function sendRaw(port: number, bytes: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => (error = err.message));
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const headEnd = all.indexOf('\r\n\r\n');
      const head = all.subarray(0, headEnd === -1 ? all.length : headEnd).toString('latin1').split('\r\n');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
      if (status === null) return resolve({ status: 0, headers: {}, text: '', json: undefined, error: error ?? `no HTTP answer: ${JSON.stringify(all.subarray(0, 100).toString())}` });
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      // Only the first answer: "content-length too small" gets a second one for the leftover bytes.
      const rest = headEnd === -1 ? Buffer.alloc(0) : all.subarray(headEnd + 4);
      const text = rest.subarray(0, headers['content-length'] === undefined ? rest.length : Number(headers['content-length'])).toString('utf8');
      resolve({ status: Number(status[1]), headers, text, json: parseJson(headers, text) });
    });
    socket.end(bytes);
  });
}
