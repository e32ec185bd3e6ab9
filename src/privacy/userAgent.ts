// User agent → browser / OS / device family and a bot flag (policy 1.1.2). Only these families leave
// this module: no versions, no device models, never the raw string.
import { hash, randomBytes } from 'node:crypto';
import { parse } from 'bowser';
import { isbot } from 'isbot';
import { LRUCache } from 'lru-cache';

export interface UaFamily {
  browser: string;
  os: string;
  device: 'desktop' | 'mobile' | 'tablet' | 'bot' | 'other';
  isBot: boolean;
}

const DEFAULT_CACHE_SIZE = 10_000;
/**
 * Real user agents stay well under this; longer ones are cut before parsing so that one hostile
 * header can neither make the parser's regular expressions slow nor bloat the cache.
 */
const MAX_UA_LENGTH = 512;

/** bowser's display names → the family names the reports use. Others are kept as bowser gives them. */
const BROWSER_NAMES: Readonly<Record<string, string>> = {
  'Microsoft Edge': 'Edge',
  'Yandex Browser': 'Yandex',
  'Samsung Internet for Android': 'Samsung Internet',
};
const OS_NAMES: Readonly<Record<string, string>> = { 'Chrome OS': 'ChromeOS' };
/** Operating systems whose devices count as desktops when bowser names no platform type. */
const DESKTOP_OS = new Set(['Windows', 'macOS', 'Linux', 'ChromeOS']);

const EMPTY: UaFamily = Object.freeze({ browser: '', os: '', device: 'other', isBot: false });

/**
 * Returns a parser whose results are cached in an LRU: a site's traffic repeats a few thousand
 * distinct strings, and parsing is the costly part (tens of µs; the key's digest costs ~0.4 µs).
 *
 * NOTE: a raw user agent must not outlive the request that carried it, so the cache is keyed by
 * `uaCacheKey` (a digest salted per parser, i.e. per process), never by the string itself; the values
 * are the reduced families.
 */
export function createUaParser(
  options: { cacheSize?: number; cache?: LRUCache<string, UaFamily> } = {},
): (ua: string) => UaFamily {
  const cache = options.cache ?? new LRUCache<string, UaFamily>({ max: options.cacheSize ?? DEFAULT_CACHE_SIZE });
  const salt = randomBytes(16).toString('base64');
  return (ua) => {
    const cut = ua.trim().slice(0, MAX_UA_LENGTH);
    if (cut === '') return EMPTY;
    const key = uaCacheKey(salt, cut);
    let family = cache.get(key);
    if (family === undefined) {
      family = Object.freeze(classify(cut));
      cache.set(key, family);
    }
    return family;
  };
}

/** The parser cache's key for a user agent: SHA-256 of the parser's random salt and the agent. */
export function uaCacheKey(salt: string, ua: string): string {
  return hash('sha256', salt + ua, 'base64');
}

function classify(ua: string): UaFamily {
  const parsed = parse(ua);
  const browserName = parsed.browser.name ?? '';
  const osName = parsed.os.name ?? '';
  const browser = BROWSER_NAMES[browserName] ?? browserName;
  const os = OS_NAMES[osName] ?? osName;
  // isbot knows far more crawlers, HTTP clients and headless browsers than bowser; bowser adds a few
  // it spots from its own browser table.
  const isBot = isbot(ua) || parsed.platform.type === 'bot';
  if (isBot) return { browser, os, device: 'bot', isBot };
  return { browser, os, device: deviceOf(parsed.platform.type, os, ua), isBot };
}

function deviceOf(platform: string | undefined, os: string, ua: string): UaFamily['device'] {
  if (platform === 'desktop' || platform === 'mobile' || platform === 'tablet') return platform;
  if (platform !== undefined) return 'other'; // TVs and the like
  // Android browsers mark phones with "Mobile"; an Android UA without it is a tablet (Google's rule).
  if (os === 'Android') return /\bMobile\b/.test(ua) ? 'mobile' : 'tablet';
  // iPadOS in desktop mode sends a Mac user agent and is counted as a desktop: nothing in it tells.
  return DESKTOP_OS.has(os) ? 'desktop' : 'other';
}
