// POST /collect and the pixel with the events' spool near its budget: refused with 503 before the body is
// parsed, nothing appended; taken again once delivery frees room. A request admitted holds its record's
// room, so requests in flight together are refused before any work, never after: under a flood the
// refusal after reading (each request parsed, pseudonymised and placed, then refused at the append) took
// the main thread from delivery, so the spool stayed full (docs/performance.md "reserved room").
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../src/cache/memoryCache.ts';
import { createClientIp } from '../../src/collect/clientIp.ts';
import { createCollectRoutes } from '../../src/collect/collectRoute.ts';
import { createRateLimiter } from '../../src/collect/rateLimiter.ts';
import { EVENT_LIMITS } from '../../src/collect/validateEvent.ts';
import type { ConsentStore } from '../../src/consent/consentStore.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { Spool } from '../../src/pipeline/spool.ts';
import { createPseudonymiser } from '../../src/privacy/pseudonymiser.ts';
import { createReducers } from '../../src/privacy/reducers.ts';
import type { Site, SiteStore } from '../../src/sites/siteStore.ts';
import type { ErasureTombstones } from '../../src/subjects/erasureTombstones.ts';
import { tempDir } from '../support/testService.ts';

const SITE: Site = { id: 'shop', name: 'Shop', hostnames: ['shop.example'], timezone: 'UTC', kAnonymity: 1, retentionDays: 30, defaultConsent: 0, createdAt: '2026-11-30 00:00:00' };
const BUDGET = 1 << 20;

describe('POST /collect with the spool near its budget', () => {
  let server: http.Server;
  let url: string;
  let spool: Spool;
  let sitesAsked = 0;
  /** Requests the server has begun to handle (their headers read). */
  let entered = 0;

  beforeAll(async () => {
    spool = await Spool.open({ dir: tempDir(), maxBytes: BUDGET });
    const sites: SiteStore = {
      peek: () => undefined,
      get: async (id) => (sitesAsked++, id === SITE.id ? SITE : undefined),
      list: async () => [SITE],
      isRegisteredHost: async (host) => SITE.hostnames.includes(host),
      create: () => Promise.reject(new Error('not in this test')),
      update: () => Promise.reject(new Error('not in this test')),
    };
    const secrets = { pseudonymKeys: new Map([[1, Buffer.alloc(32, 7)]]), currentKeyVersion: 1 };
    const erasures: ErasureTombstones = { erasedAt: () => undefined, add() {}, onErased() {}, close() {}, ready: Promise.resolve() };
    const routes = createCollectRoutes(
      {
        sites,
        reducers: createReducers(createPseudonymiser(secrets, createMemoryCache())),
        spool,
        consents: { record: () => Promise.reject(new Error('no consent in this test')) } as unknown as ConsentStore,
        erasures,
        metrics: createMetrics(),
        clientIp: createClientIp([]),
        rateLimiter: createRateLimiter({ perSecond: 1_000_000 }),
      },
      { maxEvents: 500, maxBodyBytes: 1 << 16, maxInFlight: 256, maxInFlightEvents: 20_000, limits: EVENT_LIMITS },
    );
    server = http.createServer((req, res) => {
      entered++;
      (req.method === 'GET' ? routes.pixel : routes.collect)(req, res).catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/collect`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await spool?.close();
  });

  const post = () =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' },
      body: JSON.stringify({ site: SITE.id, url: 'https://shop.example/p/1', cid: 'c1' }),
    });

  it('answers 503 with Retry-After without parsing the body, appending nothing; takes hits again once room is freed', async () => {
    const taken = await post();
    expect(taken.status).toBe(202);

    // Fill the budget but for less than a hit's record needs.
    await spool.append(Buffer.alloc(BUDGET - spool.pendingBytes - 64 - 1000));
    await spool.rotate();
    const pending = spool.pendingBytes;
    const asked = sitesAsked;
    const refused = await post();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toEqual({ error: 'the collector cannot take more events now; retry later', code: 'SERVICE_UNAVAILABLE' });
    expect(spool.pendingBytes).toBe(pending);
    expect(sitesAsked).toBe(asked); // refused before the body was read: no event was looked at
    const pixel = await fetch(`${url}.gif?site=${SITE.id}&url=${encodeURIComponent('https://shop.example/p/1')}&cid=c1`, { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' } });
    expect(pixel.status).toBe(503);
    expect(pixel.headers.get('retry-after')).toBe('5');
    expect(sitesAsked).toBe(asked);

    // Delivery frees room (here: the segments forgotten, as delivered ones are): taken again.
    for (let seg = spool.peek(); seg !== undefined; seg = spool.peek()) spool.forget(seg);
    const again = await post();
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ accepted: 1, rejected: [] });
  });

  it('refuses the requests in flight together that do not fit before reading any, and keeps every one it read', async () => {
    for (let seg = (await spool.rotate(), spool.peek()); seg !== undefined; seg = spool.peek()) spool.forget(seg);
    // Room for a few requests' records (each holds 4 KiB and 8 times its body at admission).
    await spool.append(Buffer.alloc(BUDGET - 5 * 5_500));
    await spool.rotate();
    const asked = sitesAsked;
    const enteredBefore = entered;
    const body = JSON.stringify({ site: SITE.id, url: 'https://shop.example/p/1', cid: 'c1' });
    // Twelve requests whose headers arrive together and whose bodies wait: every one is admitted or
    // refused on its headers, while the others are still in flight.
    const statuses: number[] = [];
    const reqs = Array.from({ length: 12 }, () => {
      const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' } });
      const answered = new Promise<number>((resolve, reject) => {
        req.on('response', (res) => (res.resume(), statuses.push(res.statusCode!), resolve(res.statusCode!)));
        req.on('error', reject);
      });
      req.flushHeaders();
      return { req, answered };
    });
    while (entered < enteredBefore + 12) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    const refusedEarly = statuses.length;
    expect(statuses.every((s) => s === 503)).toBe(true);
    expect(refusedEarly).toBeGreaterThan(0);
    expect(refusedEarly).toBeLessThan(12);
    for (const { req } of reqs) req.end(body);
    const all = await Promise.all(reqs.map((r) => r.answered));
    const kept = all.filter((s) => s === 202).length;
    // Every request admitted was kept, every other refused on its headers: none was read, pseudonymised
    // and placed only to be refused at its append.
    expect(kept).toBe(12 - refusedEarly);
    expect(sitesAsked - asked).toBe(kept);
  });
});
