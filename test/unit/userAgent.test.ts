import { describe, expect, it } from 'vitest';
import { LRUCache } from 'lru-cache';
import { createUaParser, uaCacheKey, type UaFamily } from '../../src/privacy/userAgent.ts';

// Real user agents as browsers and crawlers send them, with the family each must reduce to.
const TABLE: ReadonlyArray<readonly [string, string, UaFamily]> = [
  ['desktop Chrome on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', { browser: 'Chrome', os: 'Windows', device: 'desktop', isBot: false }],
  ['Firefox on Linux', 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', { browser: 'Firefox', os: 'Linux', device: 'desktop', isBot: false }],
  ['Firefox on Ubuntu', 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', { browser: 'Firefox', os: 'Linux', device: 'desktop', isBot: false }],
  ['Safari on macOS', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15', { browser: 'Safari', os: 'macOS', device: 'desktop', isBot: false }],
  ['iPhone Safari', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1', { browser: 'Safari', os: 'iOS', device: 'mobile', isBot: false }],
  ['iPhone Chrome', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1', { browser: 'Chrome', os: 'iOS', device: 'mobile', isBot: false }],
  ['iPad Safari', 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1', { browser: 'Safari', os: 'iOS', device: 'tablet', isBot: false }],
  ['Android Chrome phone', 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36', { browser: 'Chrome', os: 'Android', device: 'mobile', isBot: false }],
  ['Samsung Galaxy Tab', 'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36', { browser: 'Chrome', os: 'Android', device: 'tablet', isBot: false }],
  ['Lenovo Android tablet', 'Mozilla/5.0 (Linux; Android 12; Lenovo TB-X606F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', { browser: 'Chrome', os: 'Android', device: 'tablet', isBot: false }],
  ['YaBrowser on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 YaBrowser/24.4.0.0 Safari/537.36', { browser: 'Yandex', os: 'Windows', device: 'desktop', isBot: false }],
  ['YaBrowser on Android', 'Mozilla/5.0 (Linux; arm_64; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.128 YaBrowser/24.4.1.95.00 SA/3 Mobile Safari/537.36', { browser: 'Yandex', os: 'Android', device: 'mobile', isBot: false }],
  ['Edge on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67', { browser: 'Edge', os: 'Windows', device: 'desktop', isBot: false }],
  ['Opera on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/110.0.0.0', { browser: 'Opera', os: 'Windows', device: 'desktop', isBot: false }],
  ['Samsung Internet', 'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36', { browser: 'Samsung Internet', os: 'Android', device: 'mobile', isBot: false }],
  ['Chrome on ChromeOS', 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', { browser: 'Chrome', os: 'ChromeOS', device: 'desktop', isBot: false }],
  ['Samsung smart TV', 'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/538.1 (KHTML, like Gecko) Version/6.0 TV Safari/538.1', { browser: 'Tizen', os: 'Tizen', device: 'other', isBot: false }],
  ['Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', { browser: 'Googlebot', os: '', device: 'bot', isBot: true }],
  ['Googlebot smartphone', 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.201 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', { browser: 'Googlebot', os: 'Android', device: 'bot', isBot: true }],
  ['YandexBot', 'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)', { browser: 'YandexBot', os: '', device: 'bot', isBot: true }],
  ['bingbot', 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', { browser: 'BingCrawler', os: '', device: 'bot', isBot: true }],
  ['curl', 'curl/8.5.0', { browser: '', os: '', device: 'bot', isBot: true }],
  ['headless Chrome', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.60 Safari/537.36', { browser: 'Chrome', os: 'Linux', device: 'bot', isBot: true }],
];

describe('createUaParser', () => {
  const parseUa = createUaParser();

  it.each(TABLE)('%s', (_name, ua, expected) => {
    expect(parseUa(ua)).toEqual(expected);
  });

  it('gives empty families and device "other" for an empty or blank user agent', () => {
    expect(parseUa('')).toEqual({ browser: '', os: '', device: 'other', isBot: false });
    expect(parseUa('   ')).toEqual({ browser: '', os: '', device: 'other', isBot: false });
  });

  it('returns families only: no version, model or other fragment of the user agent', () => {
    for (const [, ua] of TABLE) {
      const { browser, os } = parseUa(ua);
      expect(browser).not.toMatch(/\d/);
      expect(os).not.toMatch(/\d/);
    }
  });

  it('answers a repeated user agent from its cache', () => {
    const parse = createUaParser({ cacheSize: 2 });
    const ua = TABLE[0]![1];
    const first = parse(ua);
    expect(parse(ua)).toBe(first);
    // Two other agents push it out of a cache of two: a fresh (equal, not identical) result.
    parse(TABLE[1]![1]);
    parse(TABLE[2]![1]);
    const again = parse(ua);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('parses an overlong user agent by its first 512 characters', () => {
    const ua = TABLE[0]![1];
    // A crawler token past the cut is not seen: the result is that of the plain desktop Chrome.
    expect(parseUa(`${ua}${' x'.repeat(300)} Googlebot/2.1`)).toEqual(TABLE[0]![2]);
    expect(parseUa(`${ua} Googlebot/2.1`).isBot).toBe(true);
  });

  it('keys its cache by a salted digest that holds nothing of the user agent', () => {
    const ua = TABLE[0]![1];
    const key = uaCacheKey('salt-a', ua);
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(key).not.toContain('Mozilla');
    expect(uaCacheKey('salt-a', ua)).toBe(key);
    // Another salt (another process) gives another key: a digest cannot be looked up across runs.
    expect(uaCacheKey('salt-b', ua)).not.toBe(key);
    expect(uaCacheKey('salt-a', TABLE[1]![1])).not.toBe(key);
  });

  it('keeps no user agent in its cache, only digests', () => {
    const cache = new LRUCache<string, UaFamily>({ max: 100 });
    const parse = createUaParser({ cache });
    for (const [, ua] of TABLE) parse(ua);
    expect(cache.size).toBe(TABLE.length);
    for (const key of cache.keys()) {
      expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      for (const [, ua] of TABLE) expect(ua).not.toContain(key);
    }
  });
});
