import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../src/cache/memoryCache.ts';
import { keyedHmacSha256 } from '../../src/privacy/hmacSha256.ts';
import { createPseudonymiser, first64 } from '../../src/privacy/pseudonymiser.ts';

const KEY_1 = Buffer.alloc(32, 1);
const KEY_2 = Buffer.alloc(32, 2);
const secrets = (keys: Array<[number, Buffer]>, current = Math.max(...keys.map(([v]) => v))) => ({
  pseudonymKeys: new Map(keys),
  currentKeyVersion: current,
});
const COOKIE = 'cookie-3f9a2b7c';
const MAX_U64 = 2n ** 64n - 1n;

describe('pseudonymise', () => {
  const p = createPseudonymiser(secrets([[1, KEY_1]]), createMemoryCache());

  it('gives the same pid for the same site and cookie', () => {
    expect(p.pseudonymise('shop', COOKIE)).toEqual(p.pseudonymise('shop', COOKIE));
    const again = createPseudonymiser(secrets([[1, KEY_1]]), createMemoryCache());
    expect(again.pseudonymise('shop', COOKIE).pid).toBe(p.pseudonymise('shop', COOKIE).pid);
  });

  it('gives different pids on different sites and for different cookies', () => {
    const a = p.pseudonymise('shop', COOKIE).pid;
    expect(p.pseudonymise('blog', COOKIE).pid).not.toBe(a);
    expect(p.pseudonymise('shop', `${COOKIE}x`).pid).not.toBe(a);
  });

  it('separates site from cookie so shifting a character between them changes the pid', () => {
    expect(p.pseudonymise('shopa', 'bc').pid).not.toBe(p.pseudonymise('shop', 'abc').pid);
  });

  it('gives a different pid under a different key', () => {
    const other = createPseudonymiser(secrets([[1, KEY_2]]), createMemoryCache());
    expect(other.pseudonymise('shop', COOKIE).pid).not.toBe(p.pseudonymise('shop', COOKIE).pid);
  });

  it('is the first 64 bits of HMAC-SHA-256(key, site 0x00 cookie) as a decimal UInt64', () => {
    const expected = createHmac('sha256', KEY_1).update(`shop\0${COOKIE}`).digest().readBigUInt64BE(0).toString();
    expect(p.pseudonymise('shop', COOKIE).pid).toBe(expected);
  });

  it('is a decimal UInt64 string, never "0", never containing the raw cookie id', () => {
    for (let i = 0; i < 200; i++) {
      // Numeric cookies: the only kind a decimal pid could possibly contain.
      const cookie = String(10n ** 15n + BigInt(i) * 7919n);
      const { pid } = p.pseudonymise('shop', cookie);
      expect(pid).toMatch(/^[1-9]\d*$/);
      expect(BigInt(pid) <= MAX_U64).toBe(true);
      expect(pid).not.toContain(cookie);
    }
    expect(JSON.stringify(p.pseudonymise('shop', COOKIE))).not.toContain(COOKIE);
  });

  it('reads the first 64 bits exactly at the edges of both 32-bit halves (no BigInt on the way)', () => {
    const words: Array<[number, number]> = [[0, 0], [0, 1], [0, 0xffffffff], [1, 0], [1, 9999], [0xffffffff, 0xffffffff], [0x0000ffff, 0xffff0000], [429_496, 7295]];
    for (let i = 0; i < 2000; i++) words.push([Math.floor(Math.random() * 2 ** 32) >>> i % 32, Math.floor(Math.random() * 2 ** 32)]);
    for (const [hi, lo] of words) {
      const digest = Buffer.alloc(32, 0xab);
      digest.writeUInt32BE(hi, 0);
      digest.writeUInt32BE(lo, 4);
      const n = digest.readBigUInt64BE(0);
      expect(first64(digest)).toBe((n === 0n ? 1n : n).toString());
    }
  });

  it('signs with the highest key version', () => {
    const rotated = createPseudonymiser(secrets([[1, KEY_1], [3, KEY_2], [2, Buffer.alloc(32, 9)]]), createMemoryCache());
    const only3 = createPseudonymiser(secrets([[3, KEY_2]]), createMemoryCache());
    expect(rotated.pseudonymise('shop', COOKIE)).toEqual({ pid: only3.pseudonymise('shop', COOKIE).pid, keyVersion: 3 });
    expect(p.pseudonymise('shop', COOKIE).keyVersion).toBe(1);
  });

  it('refuses a current version that has no key', () => {
    expect(() => createPseudonymiser(secrets([[1, KEY_1]], 2), createMemoryCache())).toThrow(/no key/);
  });
});

describe('dailyVisitorHash', () => {
  const TRAITS = '203.0.113.7\0Mozilla/5.0';

  it('is stable within a day, also across instances sharing the cache', async () => {
    const cache = createMemoryCache();
    const a = createPseudonymiser(secrets([[1, KEY_1]]), cache);
    const b = createPseudonymiser(secrets([[1, KEY_1]]), cache);
    const h = await a.dailyVisitorHash('shop', '2026-11-24', TRAITS);
    expect(h).toMatch(/^[1-9]\d*$/);
    expect(await a.dailyVisitorHash('shop', '2026-11-24', TRAITS)).toBe(h);
    expect(await b.dailyVisitorHash('shop', '2026-11-24', TRAITS)).toBe(h);
  });

  it('differs across days, sites and traits', async () => {
    const p = createPseudonymiser(secrets([[1, KEY_1]]), createMemoryCache());
    const h = await p.dailyVisitorHash('shop', '2026-11-24', TRAITS);
    expect(await p.dailyVisitorHash('shop', '2026-11-25', TRAITS)).not.toBe(h);
    expect(await p.dailyVisitorHash('blog', '2026-11-24', TRAITS)).not.toBe(h);
    expect(await p.dailyVisitorHash('shop', '2026-11-24', `${TRAITS}x`)).not.toBe(h);
  });

  it('gives the same hash at once once the day\'s salt is known, and nothing before', async () => {
    const p = createPseudonymiser(secrets([[1, KEY_1]]), createMemoryCache());
    expect(p.dailyVisitorHashNow('shop', '2026-11-24', TRAITS)).toBeUndefined();
    const h = await p.dailyVisitorHash('shop', '2026-11-24', TRAITS);
    expect(p.dailyVisitorHashNow('shop', '2026-11-24', TRAITS)).toBe(h);
    expect(p.dailyVisitorHashNow('blog', '2026-11-24', TRAITS)).toBe(await p.dailyVisitorHash('blog', '2026-11-24', TRAITS));
    // Another day's salt is its own: not at hand until asked for.
    expect(p.dailyVisitorHashNow('shop', '2026-11-25', TRAITS)).toBeUndefined();
    // Past the few days kept, the oldest salt is forgotten here too.
    for (const day of ['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28']) await p.dailyVisitorHash('shop', day, TRAITS);
    expect(p.dailyVisitorHashNow('shop', '2026-11-24', TRAITS)).toBeUndefined();
    expect(p.dailyVisitorHashNow('shop', '2026-11-28', TRAITS)).toBe(await p.dailyVisitorHash('shop', '2026-11-28', TRAITS));
  });

  it('keeps a day stable after another day was asked for in between', async () => {
    const p = createPseudonymiser(secrets([[1, KEY_1]]), createMemoryCache());
    const h = await p.dailyVisitorHash('shop', '2026-11-24', TRAITS);
    await p.dailyVisitorHash('shop', '2026-11-25', TRAITS);
    expect(await p.dailyVisitorHash('shop', '2026-11-24', TRAITS)).toBe(h);
  });

  it('is not derived from the pseudonym key, so it cannot be linked to a pid', async () => {
    const p1 = createPseudonymiser(secrets([[1, KEY_1]]), createMemoryCache());
    const p2 = createPseudonymiser(secrets([[1, KEY_1]]), createMemoryCache());
    // Same key, separate caches: separate random salts, so different hashes for the same day.
    expect(await p1.dailyVisitorHash('shop', '2026-11-24', TRAITS)).not.toBe(await p2.dailyVisitorHash('shop', '2026-11-24', TRAITS));
  });
});

describe('keyedHmacSha256', () => {
  it('equals node:crypto HMAC-SHA-256 on 3 000 random keys and messages, every padding boundary included', () => {
    let seed = 1;
    const rnd = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const lengths = [0, 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 121, 127, 128, 129, 500, 4095, 4096, 4097];
    for (let i = 0; i < 3_000; i++) {
      const key = Buffer.from(Array.from({ length: 1 + rnd(100) }, () => rnd(256)));
      const len = i < lengths.length ? lengths[i]! : rnd(300);
      const msg = Buffer.from(Array.from({ length: len }, () => rnd(256)));
      const hmac = keyedHmacSha256(key);
      const expected = createHmac('sha256', key).update(msg).digest('hex');
      expect(hmac(msg).toString('hex')).toBe(expected);
      // Called again (the buffers are reused) and split in parts.
      const cut = rnd(len + 1);
      expect(hmac(msg.subarray(0, cut), msg.subarray(cut)).toString('hex')).toBe(expected);
    }
  });

  it('equals node:crypto HMAC-SHA-256 for short, block-sized and long keys, called repeatedly', () => {
    for (const len of [1, 32, 64, 65, 200]) {
      const key = Buffer.alloc(len, len);
      const hmac = keyedHmacSha256(key);
      // Short, multi-byte, around the reused buffer's size (4096 bytes) and past it.
      for (const msg of ['', 'shop\0abc', 'x'.repeat(1000), 'кука-🍪', 'é'.repeat(1500), 'y'.repeat(4096), 'z'.repeat(5000)]) {
        const expected = createHmac('sha256', key).update(msg).digest('hex');
        expect(hmac(msg).toString('hex')).toBe(expected);
        expect(hmac(msg.slice(0, 3), msg.slice(3)).toString('hex')).toBe(expected);
        expect(hmac(Buffer.from(msg)).toString('hex')).toBe(expected);
      }
    }
  });
});
