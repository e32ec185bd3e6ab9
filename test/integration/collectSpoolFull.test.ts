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
  /** How long a site's look-up takes (0: at once): requests being processed then overlap. */
  let slowSitesMs = 0;
  /** Requests the server has begun to handle (their headers read). */
  let entered = 0;

  beforeAll(async () => {
    spool = await Spool.open({ dir: tempDir(), maxBytes: BUDGET });
    const sites: SiteStore = {
      peek: () => undefined,
      get: async (id) => {
        sitesAsked++;
        if (slowSitesMs > 0) await new Promise((r) => setTimeout(r, slowSitesMs));
        return id === SITE.id ? SITE : undefined;
      },
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

  const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
  const BODY = JSON.stringify({ site: SITE.id, url: 'https://shop.example/p/1', cid: 'c1' });
  /** A request whose headers are sent now and whose body waits for `send()`. */
  const held = (contentLength = Buffer.byteLength(BODY)) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': contentLength, 'user-agent': UA } });
    const answered = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => (res.resume(), resolve(res.statusCode!)));
      req.on('error', reject);
    });
    req.flushHeaders();
    return { req, answered };
  };
  const emptied = async () => {
    for (let seg = (await spool.rotate(), spool.peek()); seg !== undefined; seg = spool.peek()) spool.forget(seg);
  };

  it('refuses the requests processed together that do not fit before looking at any event, and keeps every one it looked at', async () => {
    await emptied();
    // 20 events a request (a record of about 7 KB; 17 KB of room held for it): room for one held at a time.
    const body = JSON.stringify({ events: Array.from({ length: 20 }, (_, i) => ({ site: SITE.id, url: `https://shop.example/p/${i}`, cid: `c${i}` })) });
    await spool.append(Buffer.alloc(BUDGET - 30_000));
    await spool.rotate();
    const asked = sitesAsked;
    const before = entered;
    slowSitesMs = 30;
    try {
      // Twelve requests whose bodies arrive together: their processing overlaps (each site look-up waits).
      const reqs = Array.from({ length: 12 }, () => held(Buffer.byteLength(body)));
      while (entered < before + 12) await new Promise((r) => setTimeout(r, 10));
      for (const { req } of reqs) req.end(body);
      const statuses = await Promise.all(reqs.map((r) => r.answered));
      const kept = statuses.filter((s) => s === 202).length;
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(12);
      expect(statuses.filter((s) => s === 503).length).toBe(12 - kept);
      // Every request whose events were looked at was kept; the others were refused before: none was
      // pseudonymised and placed only to be refused at its append (checked alone, all twelve were).
      expect(sitesAsked - asked).toBe(20 * kept);
    } finally {
      slowSitesMs = 0;
    }
  });

  it('holds no room for a body still arriving: slow uploads do not keep others out', async () => {
    await emptied();
    // Two slow uploads whose records' room (4 KiB and 8 × 65 000 bytes each) would leave less than a hit needs.
    const before = entered;
    const slow = [held(65_000), held(65_000)];
    while (entered < before + 2) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    const taken = await post();
    expect(taken.status).toBe(202);
    for (const { req } of slow) req.destroy();
    await Promise.allSettled(slow.map((r) => r.answered));
  });
});
