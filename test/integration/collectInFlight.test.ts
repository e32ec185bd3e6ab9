// POST /collect's bound on the events in flight (collectRoute.ts maxInFlightEvents): a request that would
// exceed it gets the catalogue's 429 with Retry-After; one larger than the bound is taken alone. No
// timing: the site store (our own interface, a test double) holds each request at its look-up until the
// test lets it go, so "in flight" is a state the test sets, not a race.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
const BOUND = 3;

/** A site store whose look-ups wait, while held, until release(); entered() resolves once one is waiting. */
function heldSites() {
  let held: { promise: Promise<void>; release: () => void } | undefined;
  let waiting: Array<() => void> = [];
  const store: SiteStore = {
    peek: () => undefined,
    async get(id) {
      if (held !== undefined) {
        const h = held;
        for (const w of waiting.splice(0)) w();
        await h.promise;
      }
      return id === SITE.id ? SITE : undefined;
    },
    list: async () => [SITE],
    isRegisteredHost: async (host) => SITE.hostnames.includes(host),
    create: () => Promise.reject(new Error('not in this test')),
    update: () => Promise.reject(new Error('not in this test')),
  };
  return {
    store,
    hold() {
      const { promise, resolve } = Promise.withResolvers<void>();
      held = { promise, release: resolve };
    },
    release() {
      held?.release();
      held = undefined;
    },
    entered: () => new Promise<void>((resolve) => waiting.push(resolve)),
    reset() {
      this.release();
      waiting = [];
    },
  };
}

describe('POST /collect bounds the events in flight', () => {
  const sites = heldSites();
  let server: http.Server;
  let url: string;
  let spool: Spool;

  beforeAll(async () => {
    spool = await Spool.open({ dir: tempDir(), maxBytes: 1 << 30 });
    const secrets = { pseudonymKeys: new Map([[1, Buffer.alloc(32, 7)]]), currentKeyVersion: 1 };
    const consents = { record: () => Promise.reject(new Error('no consent in this test')) } as unknown as ConsentStore;
    const erasures: ErasureTombstones = { erasedAt: () => undefined, add() {}, onErased() {}, close() {}, ready: Promise.resolve() };
    const routes = createCollectRoutes(
      {
        sites: sites.store,
        reducers: createReducers(createPseudonymiser(secrets, createMemoryCache())),
        spool,
        consents,
        erasures,
        metrics: createMetrics(),
        clientIp: createClientIp([]),
        rateLimiter: createRateLimiter({ perSecond: 1_000_000 }),
      },
      { maxEvents: 500, maxBodyBytes: 1 << 20, maxInFlight: 256, maxInFlightEvents: BOUND, limits: EVENT_LIMITS },
    );
    server = http.createServer((req, res) => {
      routes.collect(req, res).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/collect`;
  });
  afterAll(async () => {
    sites.release();
    await new Promise((resolve) => server?.close(resolve));
    await spool?.close();
  });
  afterEach(() => sites.reset());

  const post = (n: number) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: Array.from({ length: n }, (_, i) => ({ site: 'shop', type: 'pageview', url: `https://shop.example/p${i}` })) }),
    });

  /** Sends a request of n events and waits until it is held at its site look-up (in flight). */
  const postHeld = async (n: number) => {
    const entered = sites.entered();
    const answer = post(n);
    await entered;
    // Wrapped: an async function returning the promise itself would wait for the answer.
    return { answer };
  };

  it('answers 429 with Retry-After to a request that would exceed the bound, and takes one that fits', async () => {
    sites.hold();
    const { answer: first } = await postHeld(2);

    const refused = await post(2);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({ error: 'the collector is busy; retry shortly', code: 'RATE_LIMITED' });

    // 2 + 1 = the bound: taken (held too, until released).
    const { answer: fits } = await postHeld(1);

    sites.release();
    const [a, b] = await Promise.all([first, fits]);
    expect(a.status).toBe(202);
    expect(await a.json()).toEqual({ accepted: 2, rejected: [] });
    expect(b.status).toBe(202);
    expect(await b.json()).toEqual({ accepted: 1, rejected: [] });

    // Released: the bound's room is back.
    const again = await post(BOUND);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ accepted: BOUND, rejected: [] });
  });

  it('takes a batch larger than the bound alone, and refuses it while anything is in flight', async () => {
    const alone = await post(BOUND + 2);
    expect(alone.status).toBe(202);
    expect(await alone.json()).toEqual({ accepted: BOUND + 2, rejected: [] });

    sites.hold();
    const { answer: first } = await postHeld(1);
    const refused = await post(BOUND + 2);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    sites.release();
    expect((await first).status).toBe(202);

    // A large batch in flight: even one event more is refused until it is answered.
    sites.hold();
    const { answer: large } = await postHeld(BOUND + 2);
    const one = await post(1);
    expect(one.status).toBe(429);
    sites.release();
    expect(await (await large).json()).toEqual({ accepted: BOUND + 2, rejected: [] });
    expect((await post(1)).status).toBe(202);
  });
});
