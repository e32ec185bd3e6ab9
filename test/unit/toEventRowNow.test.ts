import { describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../src/cache/memoryCache.ts';
import { validateEvent } from '../../src/collect/validateEvent.ts';
import { createPseudonymiser } from '../../src/privacy/pseudonymiser.ts';
import type { Reducers } from '../../src/privacy/reducers.ts';
import { toEventRow, toEventRowNow, type ReducedEvent } from '../../src/privacy/toEventRow.ts';
import { createUaParser } from '../../src/privacy/userAgent.ts';
import type { Site } from '../../src/sites/siteStore.ts';

const SITE: Site = { id: 'shop', name: 'Shop', hostnames: ['shop.example'], timezone: 'UTC', kAnonymity: 0, retentionDays: 30, defaultConsent: 7, createdAt: '2026-01-01 00:00:00.000' };
const parseUa = createUaParser();
// No geo database in unit tests: every address is somewhere unknown.
const reducers: Reducers = {
  pseudonymiser: createPseudonymiser({ pseudonymKeys: new Map([[1, Buffer.alloc(32, 1)]]), currentKeyVersion: 1 }, createMemoryCache()),
  userAgent: (req) => parseUa(req.userAgent),
  geo: () => ({ country: '', region: '' }),
};
const TRAITS = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', cookieId: undefined };
const NOW = Date.UTC(2026, 10, 30, 10);
const hit = (over: Record<string, unknown>) => validateEvent({ site: 'shop', url: 'https://shop.example/a/b?utm_source=x&utm_term=t&q=1', ts: NOW, eid: 'e-1', ...over }, NOW);

describe('toEventRowNow', () => {
  it('reduces a hit with its statistics pseudonym at once, as toEventRow does', async () => {
    const e = hit({ cid: 'cookie-1', type: 'engagement', props: { ms: '1500', plan: 'pro', '7': 'x' } });
    const now = toEventRowNow(e, SITE, TRAITS, reducers);
    expect(now).not.toBeInstanceOf(Promise);
    const later = await toEventRow(e, SITE, TRAITS, reducers);
    expect(now).toEqual(later);
    // The same fields in the same order (the spool's lines are written in it).
    expect(Object.keys((now as ReducedEvent).row)).toEqual(Object.keys(later.row));
    expect((now as ReducedEvent).row).toMatchObject({ pid: reducers.pseudonymiser.pseudonymise('shop', 'cookie-1').pid, visitor_hash: '0', engagement_ms: 1500, props: { plan: 'pro', '7': 'x' }, utm_source: 'x', utm_term: 't' });
  });

  it('waits for the day\'s visitor hash when the hit has no statistics pseudonym and the salt is not at hand, keeping the cookie\'s pseudonym aside', async () => {
    for (const over of [{}, { cid: 'cookie-2', consent: { statistics: false } }]) {
      const e = hit(over);
      // A fresh pseudonymiser: the day's salt is not known yet.
      const fresh: Reducers = { ...reducers, pseudonymiser: createPseudonymiser({ pseudonymKeys: new Map([[1, Buffer.alloc(32, 1)]]), currentKeyVersion: 1 }, createMemoryCache()) };
      const first = toEventRowNow(e, SITE, TRAITS, fresh);
      expect(first).toBeInstanceOf(Promise);
      // Once it is, the next cookieless hit of that day is reduced at once, to the same row.
      const r0 = await first;
      const again = toEventRowNow(e, SITE, TRAITS, fresh);
      expect(again).not.toBeInstanceOf(Promise);
      expect(again).toEqual(r0);
      const now = toEventRowNow(e, SITE, TRAITS, reducers);
      const r = await now;
      expect(r).toEqual(await toEventRow(e, SITE, TRAITS, reducers));
      expect(r.row.pid).toBe('0');
      expect(r.row.visitor_hash).not.toBe('0');
      expect(r.pseudonym?.pid).toBe(over.cid === undefined ? undefined : reducers.pseudonymiser.pseudonymise('shop', 'cookie-2').pid);
    }
  });

  it('hashes a request\'s cookieless hits once per site and day, and never gives one request\'s hash to another', async () => {
    const other = { ...TRAITS, ip: '203.0.113.8' };
    const day1 = hit({});
    const day2 = hit({ ts: NOW - 86_400_000 });
    const h = async (e: typeof day1, t: typeof TRAITS, site = SITE) => (await toEventRowNow(e, site, t, reducers)).row.visitor_hash;
    const expected = async (e: typeof day1, t: typeof TRAITS, site = SITE) => (await toEventRow(e, site, { ...t }, reducers)).row.visitor_hash;
    const a = await h(day1, TRAITS);
    expect(await h(day1, TRAITS)).toBe(a);
    // Another day, another site, another request: each its own hash, as computed afresh.
    expect(await h(day2, TRAITS)).toBe(await expected(day2, TRAITS));
    expect(await h(day2, TRAITS)).not.toBe(a);
    const blog = { ...SITE, id: 'blog' };
    expect(await h(day1, TRAITS, blog)).toBe(await expected(day1, TRAITS, blog));
    expect(await h(day1, TRAITS, blog)).not.toBe(a);
    expect(await h(day1, other)).toBe(await expected(day1, other));
    expect(await h(day1, other)).not.toBe(a);
    expect(await h(day1, TRAITS)).toBe(a);
  });
});
