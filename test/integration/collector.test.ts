// The collector end to end on the embedded engine: reduction, consent, transports, CORS, proxies, limits.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteWithKey, startTestService, type TestService } from '../support/testService.ts';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const YANDEX_IP = '77.88.55.88';

describe('collector', () => {
  let svc: TestService;
  let statsKey: string;
  beforeAll(async () => {
    svc = await startTestService({ env: { CALYPSO_TRUSTED_PROXIES: '127.0.0.1,::1', CALYPSO_RATE_LIMIT_PER_IP: '5' } });
    statsKey = await siteWithKey(svc, 'shop', ['STATISTICS']);
  });
  afterAll(() => svc?.stop());

  // Each test speaks from its own client address (through the trusted proxy), so the 5/s limit is per test.
  let n = 0;
  const from = () => ({ 'x-forwarded-for': `203.0.113.${++n}` });
  const rows = <T>(sql: string, params?: Record<string, unknown>) => svc.flush().then(() => svc.store.query<T>(sql, params));

  it('stores exactly the events it accepted', async () => {
    const events = Array.from({ length: 300 }, (_, i) => ({ site: 'shop', url: `https://shop.example/n/${i}`, cid: `n${i % 7}`, eid: `count-${i}` }));
    const r1 = await svc.collect({ events: events.slice(0, 200) }, from());
    const r2 = await svc.collect({ events: events.slice(200) }, from());
    expect(r1.body.accepted + r2.body.accepted).toBe(300);
    const [c] = await rows<{ n: string }>("SELECT count() AS n FROM events WHERE startsWith(event_id, 'count-')");
    expect(c?.n).toBe('300');
  });

  it('reduces the user agent, the address (via a trusted proxy) and the referrer, and keeps none of them raw', async () => {
    const res = await svc.collect(
      { site: 'shop', url: 'https://shop.example/reduce?utm_source=vk&secret=1', referrer: 'https://yandex.ru/search/?text=shoes', cid: 'reduce-cookie-42', eid: 'reduce-1' },
      { 'user-agent': CHROME, 'x-forwarded-for': `${YANDEX_IP}, 127.0.0.1` },
    );
    expect(res.body.accepted).toBe(1);
    const [r] = await rows<Record<string, string>>("SELECT browser, os, device, country, referrer_source, referrer_host, path, utm_source, is_bot FROM events WHERE event_id = 'reduce-1'");
    expect(r).toEqual({ browser: 'Chrome', os: 'Windows', device: 'desktop', country: 'RU', referrer_source: 'search', referrer_host: 'yandex.ru', path: '/reduce', utm_source: 'vk', is_bot: 0 });
    await svc.stop();
    const needles = ['reduce-cookie-42', YANDEX_IP, 'AppleWebKit/537.36', 'secret=1'].map((s) => Buffer.from(s));
    const files = fs.readdirSync(svc.dataDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    const leaks = files.flatMap((f) => {
      const buf = fs.readFileSync(path.join(f.parentPath, f.name));
      return needles.filter((nd) => buf.includes(nd)).map((nd) => `${f.name}: ${nd.toString()}`);
    });
    expect(leaks).toEqual([]);
    svc = await startTestService({ dataDir: svc.dataDir, env: { CALYPSO_TRUSTED_PROXIES: '127.0.0.1,::1', CALYPSO_RATE_LIMIT_PER_IP: '5' } });
  });

  it('flags bots, which are stored but never counted', async () => {
    await svc.collect({ site: 'shop', url: 'https://shop.example/bot', cid: 'bot', eid: 'bot-1' }, { ...from(), 'user-agent': 'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)' });
    const [r] = await rows<{ is_bot: number; device: string }>("SELECT is_bot, device FROM events WHERE event_id = 'bot-1'");
    expect(r).toEqual({ is_bot: 1, device: 'bot' });
  });

  it('counts a hit without statistics consent cookieless, and records the consent against the cookie', async () => {
    const consent = { statistics: false, personalization: false, advertising: false, thirdParty: false };
    await svc.collect({ site: 'shop', url: 'https://shop.example/c', cid: 'refuser', eid: 'refused-1', consent }, from());
    const [e] = await rows<{ pid: string; visitor_hash: string; consent: number }>("SELECT pid, visitor_hash, consent FROM events WHERE event_id = 'refused-1'");
    expect(e?.pid).toBe('0');
    expect(e?.visitor_hash).not.toBe('0');
    expect(e?.consent).toBe(0);
    const c = await rows<{ flags: number; source: string }>("SELECT flags, source FROM consents FINAL WHERE site = 'shop' AND flags = 0");
    expect(c).toEqual([{ flags: 0, source: 'counter' }]);
  });

  it('takes consent through POST /consent and answers it back', async () => {
    const res = await fetch(`${svc.url}/consent`, { method: 'POST', headers: from(), body: JSON.stringify({ site: 'shop', cid: 'consenter', consent: { statistics: true, advertising: true } }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ consent: { statistics: true, personalization: false, advertising: true, thirdParty: false } });
    const bad = await fetch(`${svc.url}/consent`, { method: 'POST', headers: from(), body: JSON.stringify({ site: 'shop', cid: 'x', consent: { ads: true } }) });
    expect(bad.status).toBe(400);
    // The English message for API clients, and the rule the input broke for clients that word it themselves.
    expect(await bad.json()).toEqual({
      error: 'consent: "ads" is not a consent flag; use statistics, personalization, advertising, thirdParty',
      code: 'BAD_USER_INPUT',
      field: 'consent',
      rule: 'unknown',
      params: { name: 'ads', allowed: ['statistics', 'personalization', 'advertising', 'thirdParty'] },
    });
    const c = await rows<{ n: string }>("SELECT count() AS n FROM consents FINAL WHERE site = 'shop' AND flags = 5");
    expect(c[0]?.n).toBe('1');
  });

  it('accepts text/plain (sendBeacon) and the pixel, refuses other content types', async () => {
    const beacon = await fetch(`${svc.url}/collect`, { method: 'POST', headers: { ...from(), 'content-type': 'text/plain;charset=UTF-8' }, body: JSON.stringify({ site: 'shop', url: 'https://shop.example/beacon' }) });
    expect(beacon.status).toBe(202);
    const xml = await fetch(`${svc.url}/collect`, { method: 'POST', headers: { ...from(), 'content-type': 'application/xml' }, body: '<a/>' });
    expect(xml.status).toBe(415);
    expect(await xml.json()).toEqual({ error: 'content-type must be application/json or text/plain', code: 'UNSUPPORTED_MEDIA_TYPE' });
    const gif = await fetch(`${svc.url}/collect.gif?site=shop&url=${encodeURIComponent('https://shop.example/pixel')}&eid=pixel-1`, { headers: from() });
    expect(gif.status).toBe(200);
    expect(gif.headers.get('content-type')).toBe('image/gif');
    const badGif = await fetch(`${svc.url}/collect.gif?site=shop&url=relative`, { headers: from() });
    expect(badGif.status).toBe(400);
    expect(decodeURIComponent(badGif.headers.get('x-calypso-refused') ?? '')).toMatch(/^url /);
    const [p] = await rows<{ path: string }>("SELECT path FROM events WHERE event_id = 'pixel-1'");
    expect(p?.path).toBe('/pixel');
  });

  it('answers CORS only for registered host names', async () => {
    const ok = await fetch(`${svc.url}/collect`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const no = await fetch(`${svc.url}/collect`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(no.status).toBe(403);
    expect(no.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a mixed-script look-alike of a registered host, saying so', async () => {
    const res = await svc.collect({ site: 'shop', url: 'https://соcoa-calypso.ru/a' }, from());
    expect(res.body.rejected[0]?.error).toMatch(/^url refused: .*Cyrillic.*Latin/);
    expect(res.body.rejected[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
  });

  it('limits each client address with a token bucket (429 + Retry-After)', async () => {
    const headers = from();
    const burst = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${svc.url}/collect`, { method: 'POST', headers, body: JSON.stringify({ site: 'shop', url: 'https://shop.example/rl' }) })),
    );
    const ok = burst.filter((r) => r.status === 202).length;
    const limited = burst.filter((r) => r.status === 429);
    expect(ok).toBeGreaterThanOrEqual(10); // the bucket holds twice the rate
    expect(ok).toBeLessThanOrEqual(12);
    expect(limited.length).toBe(20 - ok);
    expect(Number(limited[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const other = await svc.collect({ site: 'shop', url: 'https://shop.example/rl' }, from());
    expect(other.status).toBe(202);
  });

  it('imports events of any age with an admin key only', async () => {
    const old = Date.now() - 40 * 86_400_000;
    const body = [{ site: 'shop', url: 'https://shop.example/old', ts: old, eid: 'old-1', ua: CHROME, ip: YANDEX_IP, cid: 'importer' }].map((e) => JSON.stringify(e)).join('\n');
    const denied = await fetch(`${svc.url}/v1/import`, { method: 'POST', headers: { authorization: `Bearer ${statsKey}` }, body });
    expect(denied.status).toBe(403);
    const res = await fetch(`${svc.url}/v1/import`, { method: 'POST', headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION' }, body });
    expect(await res.json()).toEqual({ accepted: 1, rejected: [] });
    const [r] = await rows<{ country: string; browser: string; t: string }>("SELECT country, browser, toString(toUnixTimestamp64Milli(ts)) AS t FROM events WHERE event_id = 'old-1'");
    expect(r).toEqual({ country: 'RU', browser: 'Chrome', t: String(old) });
  });

  // bowser names an unknown browser after the user agent's first token, so a lone surrogate there
  // reached the row (and ClickHouse refused its spool segment): refused by name like any field.
  it('refuses an imported event whose ua or ip holds a lone surrogate, naming the field', async () => {
    const events = [
      { site: 'shop', url: 'https://shop.example/imp', eid: 'imp-ua', ua: 'Odd\ud800Browser/1.0' },
      { site: 'shop', url: 'https://shop.example/imp', eid: 'imp-ip', ip: '5.255.255.5\udc00' },
      { site: 'shop', url: 'https://shop.example/imp', eid: 'imp-ok', ua: CHROME, ip: YANDEX_IP },
    ];
    const res = await fetch(`${svc.url}/v1/import`, { method: 'POST', headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION' }, body: events.map((e) => JSON.stringify(e)).join('\n') });
    const body = (await res.json()) as { accepted: number; rejected: Array<{ index: number; field: string; code: string }> };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => [r.index, r.field, r.code])).toEqual([
      [0, 'ua', 'BAD_USER_INPUT'],
      [1, 'ip', 'BAD_USER_INPUT'],
    ]);
    await svc.flush();
    expect(await rows<{ event_id: string }>("SELECT event_id FROM events WHERE startsWith(event_id, 'imp-')")).toEqual([{ event_id: 'imp-ok' }]);
  });
});
