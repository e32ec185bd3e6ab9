// Statistics on a generated dataset, the expected numbers computed here in plain JavaScript from the
// same events (not by the code under test): per-day visitors and pageviews in two time zones, top
// pages, and filters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/cli/mulberry32.ts';
import { BROWSER_UA, startTestService, type TestService } from '../support/testService.ts';

const PAGES = ['/', '/a', '/b', '/c', '/d', '/e', '/f', '/g'];
const DAYS = 5;
const start = Date.parse(`${new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10)}T00:00:00Z`);
const dayOf = (ms: number, offsetHours: number) => new Date(ms + offsetHours * 3_600_000).toISOString().slice(0, 10);

interface Hit {
  url: string;
  ts: number;
  cid?: string;
  ip: string;
  path: string;
}

function generate(): Hit[] {
  const rnd = mulberry32(4242);
  const hits: Hit[] = [];
  for (let v = 0; v < 300; v++) {
    const cookieless = v % 5 === 0;
    const ip = `203.0.113.${v % 250}`;
    const n = 1 + Math.floor(rnd() * 5);
    for (let i = 0; i < n; i++) {
      // Zipf-ish pages; times anywhere in the five days.
      const path = PAGES[Math.min(PAGES.length - 1, Math.floor(PAGES.length ** rnd()) - 1)]!;
      const ts = start + Math.floor(rnd() * DAYS * 86_400_000);
      hits.push({ url: `https://gen.example${path}`, ts, path, ip, ...(cookieless ? {} : { cid: `g${v}` }) });
    }
  }
  return hits;
}

/** The visitor of a hit as the policy defines it: the cookie, or the address and browser of that day. */
const visitorOf = (h: Hit) => h.cid ?? `${new Date(h.ts).toISOString().slice(0, 10)}|${h.ip}`;

function perDay(hits: Hit[], offsetHours: number) {
  const days = new Map<string, { visitors: Set<string>; pageviews: number }>();
  for (const h of hits) {
    const d = dayOf(h.ts, offsetHours);
    const e = days.get(d) ?? { visitors: new Set(), pageviews: 0 };
    e.visitors.add(visitorOf(h));
    e.pageviews++;
    days.set(d, e);
  }
  return [...days].sort(([a], [b]) => a.localeCompare(b)).map(([time, e]) => ({ time, visitors: e.visitors.size, pageviews: e.pageviews }));
}

type Stats = { stats: { rows: Array<Record<string, unknown>>; totals: Record<string, unknown> } };

describe('stats on generated traffic', () => {
  let svc: TestService;
  let key: string;
  const hits = generate();
  const from = dayOf(start, 0);
  const to = dayOf(start + (DAYS + 1) * 86_400_000, 0);

  beforeAll(async () => {
    svc = await startTestService();
    for (const [id, tz] of [['gen', 'UTC'], ['genmsk', 'Europe/Moscow']]) {
      await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { createSite(id: "${id}", name: "${id}", hostnames: ["gen.example"], timezone: "${tz}", kAnonymity: 2) { id } }`);
      const body = hits.map((h) => JSON.stringify({ site: id, url: h.url, ts: h.ts, cid: h.cid, ip: h.ip, ua: BROWSER_UA })).join('\n');
      const res = await fetch(`${svc.url}/v1/import`, { method: 'POST', headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION' }, body });
      expect(((await res.json()) as { accepted: number }).accepted).toBe(hits.length);
    }
    const made = await svc.gql<{ createApiKey: { secret: string } }>(svc.adminKey, 'ADMINISTRATION', 'mutation { createApiKey(name: "g", purposes: [STATISTICS], sites: ["gen", "genmsk"]) { secret } }');
    key = made.data!.createApiKey.secret;
    await svc.flush();
  });
  afterAll(() => svc?.stop());

  const stats = async (site: string, selection: string, args = '') => {
    const r = await svc.gql<Stats>(key, 'STATISTICS', `{ stats(site: "${site}", from: "${from}", to: "${to}"${args}) ${selection} }`);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.stats;
  };

  it('counts visitors and pageviews per day, in UTC and in Moscow', async () => {
    expect((await stats('gen', '{ rows { time visitors pageviews } }')).rows).toEqual(perDay(hits, 0));
    expect((await stats('genmsk', '{ rows { time visitors pageviews } }')).rows).toEqual(perDay(hits, 3));
  });

  it('ranks the top pages', async () => {
    const pages = new Map<string, { visitors: Set<string>; pageviews: number }>();
    for (const h of hits) {
      const e = pages.get(h.path) ?? { visitors: new Set(), pageviews: 0 };
      e.visitors.add(visitorOf(h));
      e.pageviews++;
      pages.set(h.path, e);
    }
    const expected = [...pages]
      .map(([page, e]) => ({ page, visitors: e.visitors.size, pageviews: e.pageviews }))
      .sort((a, b) => b.pageviews - a.pageviews || a.page.localeCompare(b.page))
      .slice(0, 5);
    expect((await stats('gen', '{ rows { page visitors pageviews } }', ', orderBy: [{field: PAGEVIEWS}], limit: 5')).rows).toEqual(expected);
  });

  it('filters', async () => {
    const chosen = hits.filter((h) => h.path === '/a' || h.path === '/b');
    const expected = { visitors: new Set(chosen.map(visitorOf)).size, pageviews: chosen.length };
    expect((await stats('gen', '{ totals { visitors pageviews } }', ', filter: [{dimension: PAGE, op: IN, values: ["/a", "/b"]}]')).totals).toEqual(expected);
    const rest = hits.filter((h) => h.path !== '/');
    expect((await stats('gen', '{ totals { pageviews } }', ', filter: [{dimension: PAGE, op: NEQ, values: ["/"]}]')).totals).toEqual({ pageviews: rest.length });
  });
});
