// A breakdown asked without `totals` groups by its dimension alone (no totals row to compute): its
// suppressed count must still be right when no row is shown (every group under k, or a page past the
// shown ones), alone and batched, and no group under k may ever be shown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_UA, startTestService, type TestService } from '../support/testService.ts';

const DAY = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

type Stats = { rows: Array<Record<string, unknown>>; totals?: Record<string, unknown>; suppressedRows: number };

describe('stats without totals', () => {
  let svc: TestService;
  let key: string;
  beforeAll(async () => {
    svc = await startTestService();
    for (const id of ['nta', 'ntb']) {
      const made = await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { createSite(id: "${id}", name: "${id}", hostnames: ["${id}.example"], timezone: "UTC", kAnonymity: 2) { id } }`);
      expect(made.errors).toBeUndefined();
      // Search: two visitors (shown at k = 2); direct and social: one each (suppressed). Browsers: one
      // Chrome visitor and three Firefox (the Chrome group suppressed); pages likewise.
      const hit = (cid: string, hhmm: string, path: string, extra: Record<string, unknown> = {}) => ({
        site: id,
        url: `https://${id}.example${path}`,
        ts: Date.parse(`${DAY}T${hhmm}:00Z`),
        cid,
        ua: BROWSER_UA,
        ip: '198.51.100.7',
        ...extra,
      });
      const body = [
        hit('S1', '10:00', '/home', { referrer: 'https://yandex.ru/search/?text=x' }),
        hit('S2', '10:30', '/home', { referrer: 'https://yandex.ru/search/?text=y' }),
        hit('D1', '11:00', '/lone'),
        hit('T1', '12:00', '/other', { referrer: 'https://vk.com/feed', ua: CHROME_UA }),
      ];
      const res = await fetch(`${svc.url}/v1/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION' },
        body: body.map((e) => JSON.stringify(e)).join('\n'),
      });
      expect(await res.json()).toEqual({ accepted: body.length, rejected: [] });
    }
    const made = await svc.gql<{ createApiKey: { secret: string } }>(svc.adminKey, 'ADMINISTRATION', 'mutation { createApiKey(name: "s", purposes: [STATISTICS], sites: ["nta", "ntb"]) { secret } }');
    key = made.data!.createApiKey.secret;
    await svc.flush();
  });
  afterAll(() => svc?.stop());

  const gql = async (query: string) => {
    const r = await svc.gql<Record<string, Stats>>(key, 'STATISTICS', query);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!;
  };
  const args = (site: string) => `site: "${site}", from: "${DAY}", to: "${DAY}"`;
  const aliases = (site: string): Record<string, string> => ({
    sources: `stats(${args(site)}, limit: 10) { rows { referrerSource visitors visits } suppressedRows }`,
    sourcesPast: `stats(${args(site)}, limit: 10, offset: 5) { rows { referrerSource visitors visits } suppressedRows }`,
    sourcesNone: `stats(${args(site)}, limit: 0) { rows { referrerSource visitors } suppressedRows }`,
    sourcesTotals: `stats(${args(site)}, limit: 10) { rows { referrerSource visitors visits } totals { visitors } suppressedRows }`,
    pages: `stats(${args(site)}, limit: 10) { rows { page visitors pageviews } suppressedRows }`,
    pagesPast: `stats(${args(site)}, limit: 10, offset: 3) { rows { page visitors } suppressedRows }`,
    browsers: `stats(${args(site)}, limit: 10) { rows { browser visitors visits } suppressedRows }`,
  });

  it('counts the suppressed groups with no row shown, alone and batched', async () => {
    const alone: Record<string, Stats> = {};
    for (const [alias, field] of Object.entries(aliases('nta'))) Object.assign(alone, await gql(`query { ${alias}: ${field} }`));
    expect(alone.sources).toEqual({ rows: [{ referrerSource: 'search', visitors: 2, visits: 2 }], suppressedRows: 2 });
    expect(alone.sourcesPast).toEqual({ rows: [], suppressedRows: 2 });
    expect(alone.sourcesNone).toEqual({ rows: [], suppressedRows: 2 });
    expect(alone.sourcesTotals).toEqual({ rows: [{ referrerSource: 'search', visitors: 2, visits: 2 }], totals: { visitors: 4 }, suppressedRows: 2 });
    expect(alone.pages).toEqual({ rows: [{ page: '/home', visitors: 2, pageviews: 2 }], suppressedRows: 2 });
    expect(alone.pagesPast).toEqual({ rows: [], suppressedRows: 2 });
    expect(alone.browsers).toEqual({ rows: [{ browser: 'Firefox', visitors: 3, visits: 3 }], suppressedRows: 1 });
    const batched = await gql(`query { ${Object.entries(aliases('ntb')).map(([a, f]) => `${a}: ${f}`).join(' ')} }`);
    expect(batched).toEqual(alone);
  });
});
