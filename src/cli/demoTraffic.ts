// Realistic synthetic traffic for `calypso demo`: visitors with real user-agent strings, a power law
// of pages, referrers and campaigns, sessions spread over days of history. Deterministic per seed.
import { mulberry32 } from './mulberry32.ts';

export interface DemoOptions {
  site: string;
  host: string;
  visitors: number;
  days: number;
  seed?: number;
  now?: number;
}

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 YaBrowser/24.12.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 13; M2101K6G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 YaBrowser/24.10.3.104.00 Mobile Safari/537.36',
  'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)',
];
const UA_WEIGHTS = [30, 18, 8, 5, 12, 12, 6, 4, 4, 1];
// Public addresses of large networks in Russia, Europe and the US (for the IP → region reduction).
const IPS = ['77.88.55.88', '5.255.255.70', '87.250.250.242', '95.108.213.0', '178.154.131.1', '217.69.139.200', '93.158.134.3', '46.175.144.1', '185.71.76.0', '8.8.8.8', '1.1.1.1', '80.80.80.80'];
const PAGES = ['/', '/catalog', '/catalog/shoes', '/catalog/bags', '/catalog/coats', '/sale', '/product/1024', '/product/2048', '/product/4096', '/cart', '/checkout', '/blog', '/blog/how-to-choose-running-shoes', '/about', '/contacts', '/delivery'];
const REFERRERS = ['', '', '', 'https://yandex.ru/search/?text=shoes', 'https://www.google.com/', 'https://vk.com/feed', 'https://t.me/s/shopnews', 'https://dzen.ru/', 'https://go.mail.ru/search', 'https://www.bing.com/'];
const CAMPAIGNS = [undefined, undefined, undefined, { utm_source: 'yandex', utm_medium: 'cpc', utm_campaign: 'winter-sale' }, { utm_source: 'vk', utm_medium: 'social', utm_campaign: 'new-collection' }, { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'weekly' }];
const SCREENS = ['1920x1080', '1536x864', '1440x900', '390x844', '412x915', '820x1180', '2560x1440'];
const LANGS = ['ru-RU', 'ru-RU', 'ru-RU', 'en-US', 'de-DE', 'kk-KZ'];

export function* demoEvents(opts: DemoOptions): Generator<Record<string, unknown>> {
  const rnd = mulberry32(opts.seed ?? 20261124);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const weighted = <T>(xs: readonly T[], ws: readonly number[]): T => {
    let r = rnd() * ws.reduce((a, b) => a + b, 0);
    for (let i = 0; i < xs.length; i++) if ((r -= ws[i]!) < 0) return xs[i]!;
    return xs[xs.length - 1]!;
  };
  // Roughly Zipf: index = n^u − 1 for uniform u puts most of the weight on the first pages.
  const page = () => PAGES[Math.min(PAGES.length - 1, Math.floor(PAGES.length ** rnd()) - 1)]!;
  const now = opts.now ?? Date.now();
  const span = opts.days * 86_400_000;
  let eid = 0;
  for (let v = 0; v < opts.visitors; v++) {
    const ua = weighted(USER_AGENTS, UA_WEIGHTS);
    const ip = pick(IPS);
    const screen = pick(SCREENS);
    const lang = pick(LANGS);
    const consenting = rnd() < 0.75;
    const cid = consenting ? `1.${Array.from({ length: 4 }, () => Math.floor(rnd() * 2 ** 32).toString(16).padStart(8, '0')).join('')}` : undefined;
    const consent = consenting ? { statistics: true, personalization: rnd() < 0.5, advertising: rnd() < 0.6, thirdParty: rnd() < 0.3 } : undefined;
    const visits = 1 + Math.floor(-Math.log(1 - rnd()) * 1.5);
    for (let s = 0; s < visits; s++) {
      let ts = now - Math.floor(rnd() * span);
      const campaign = pick(CAMPAIGNS);
      let url = `https://${opts.host}${page()}`;
      if (campaign !== undefined) url += `?${new URLSearchParams(campaign).toString()}`;
      let referrer = campaign === undefined ? pick(REFERRERS) : '';
      const views = 1 + Math.floor(-Math.log(1 - rnd()) * 2);
      for (let p = 0; p < views; p++) {
        yield { site: opts.site, type: 'pageview', url, referrer, ts, cid, consent, screen, lang, ua, ip, eid: `demo-${opts.seed ?? 0}-${eid++}` };
        if (rnd() < 0.08) yield { site: opts.site, type: 'event', name: pick(['add_to_cart', 'signup', 'purchase']), url, ts: ts + 5_000, cid, consent, screen, lang, ua, ip, eid: `demo-${opts.seed ?? 0}-${eid++}`, props: { value: String(Math.floor(rnd() * 10_000)) } };
        referrer = url;
        url = `https://${opts.host}${page()}`;
        ts += 10_000 + Math.floor(rnd() * 120_000);
      }
    }
  }
}
