// Referrer host → traffic source class (policy 1.1.2, 1.2: referrers are kept as host names only).
import { domainToASCII } from 'node:url';

export type ReferrerSource = 'direct' | 'internal' | 'search' | 'social' | 'email' | 'other';

/** A country-code or generic top-level domain, alone or under com/co/org/net ("ru", "com.tr", "co.uk"). */
const TLD = String.raw`(?:[a-z]{2,3}|(?:com?|org|net)\.[a-z]{2})`;
/** `brand.<tld>` exactly, e.g. yandex.ru, yandex.com.tr, google.co.uk; with `subdomains`, also ru.pinterest.com. */
const brand = (name: string, subdomains = false): RegExp =>
  new RegExp(`${subdomains ? String.raw`(?:^|\.)` : '^'}${name.replace(/\./g, '\\.')}\\.${TLD}$`);

interface Rule {
  readonly source: 'search' | 'social' | 'email';
  /** Host names matched with all their subdomains. */
  readonly domains: readonly string[];
  /** Host names matched as a whole (after "www." is stripped). */
  readonly patterns: readonly RegExp[];
}

// Order matters: webmail first, since mail.yandex.ru and mail.google.com sit under search brands.
// Search brands are matched as the bare domain only: their other subdomains (music.yandex.ru,
// docs.google.com) are services whose links are not searches.
const RULES: readonly Rule[] = [
  {
    source: 'email',
    domains: ['e.mail.ru', 'mail.google.com', 'outlook.live.com', 'outlook.office.com', 'outlook.office365.com', 'mail.rambler.ru', 'mail.yahoo.com'],
    patterns: [brand('mail.yandex')],
  },
  {
    source: 'social',
    domains: [
      'vk.com', 'vk.ru', 'ok.ru', 't.me', 'telegram.org', 'facebook.com', 'instagram.com', 'twitter.com', 'x.com', 't.co',
      'linkedin.com', 'lnkd.in', 'youtube.com', 'youtu.be', 'dzen.ru', 'zen.yandex.ru', 'pin.it', 'reddit.com', 'tiktok.com',
    ],
    patterns: [brand('pinterest', true)],
  },
  {
    source: 'search',
    domains: ['ya.ru', 'go.mail.ru', 'bing.com', 'duckduckgo.com', 'search.yahoo.com', 'baidu.com', 'nova.rambler.ru', 'ecosia.org', 'startpage.com'],
    // The Google app on Android sends "android-app://com.google.android.googlequicksearchbox/".
    patterns: [brand('yandex'), brand('google'), /^rambler\.ru$/, /^com\.google\.android\.googlequicksearchbox$/],
  },
];

/**
 * Classifies a referrer's host name (as `new URL(referrer).hostname` gives it) for a site served on
 * `siteHostnames`. '' is a direct visit; the site itself or any subdomain of one of its names is
 * internal navigation. The host is returned lower-cased and otherwise as given.
 */
export function classifyReferrer(referrerHost: string, siteHostnames: readonly string[]): { source: ReferrerSource; host: string } {
  const host = referrerHost.trim().toLowerCase();
  if (host === '') return { source: 'direct', host };
  const bare = stripWww(normalise(host));
  if (siteBareNames(siteHostnames).some((site) => isWithin(bare, site))) return { source: 'internal', host };
  for (const rule of RULES) {
    if (rule.domains.some((d) => isWithin(bare, d)) || rule.patterns.some((p) => p.test(bare))) return { source: rule.source, host };
  }
  return { source: 'other', host };
}

// A site's names normalised once per site copy (the array lives as long as the site snapshot), not per hit.
const bareNames = new WeakMap<readonly string[], string[]>();
function siteBareNames(names: readonly string[]): string[] {
  let bare = bareNames.get(names);
  if (bare === undefined) bareNames.set(names, (bare = names.map((n) => stripWww(normalise(n)))));
  return bare;
}

/** `host` is `domain` or one of its subdomains. */
function isWithin(host: string, domain: string): boolean {
  return domain !== '' && (host === domain || host.endsWith(`.${domain}`));
}

function stripWww(host: string): string {
  return host.startsWith('www.') ? host.slice(4) : host;
}

/** Lower-case ASCII (punycode) form without a trailing dot, so Unicode and xn-- spellings compare equal. */
function normalise(host: string): string {
  const lower = host.trim().toLowerCase().replace(/\.$/, '');
  return domainToASCII(lower) || lower;
}
