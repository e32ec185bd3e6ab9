// The overview's numbers started when its page is served (src/dashboard/overviewPrefetch.ts), and single
// flight for statistics answers (src/stats/inFlight.ts). Statements are counted by a spy on the service's
// own store that calls the real engine (it only delays or, in one case, fails a statement), never a mock.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventStore } from '../../src/store/eventStore.ts';
import { STATS_QUERY_SETTINGS } from '../../src/stats/statsResolvers.ts';
import { firstRequest, overviewView, SITES_QUERY, type SiteInfo } from '../../web/screens/overview/view.ts';
import { loadOverviewDataset, OVERVIEW_SITE } from '../support/overviewDataset.ts';
import { eventually, siteWithKey, startTestService, tempDir, type TestService } from '../support/testService.ts';

const SESSION = { 'x-calypso-session': '1' };
const REALTIME = 'now64(3) - INTERVAL';

interface Ran {
  sql: string;
  params: Record<string, unknown> | undefined;
  settled: boolean;
}

/** Records the statistics statements the service runs; `hold` may delay (or fail) one before it runs. */
function recordStatements(svc: TestService) {
  const ran: Ran[] = [];
  const state: { hold?: (sql: string) => Promise<void> } = {};
  const original = svc.store.query.bind(svc.store);
  vi.spyOn(svc.store, 'query').mockImplementation(((sql: string, params?: Record<string, unknown>, settings?: Parameters<EventStore['query']>[2]) => {
    if (settings !== STATS_QUERY_SETTINGS) return original(sql, params, settings);
    const r: Ran = { sql, params, settled: false };
    ran.push(r);
    const hold = state.hold;
    const answer = (async () => {
      if (hold !== undefined) await hold(sql);
      return original(sql, params, settings);
    })();
    answer.then(
      () => (r.settled = true),
      () => (r.settled = true),
    );
    return answer;
  }) as EventStore['query']);
  /** Once nothing new has started for 300 ms and everything started has settled. */
  const settle = async () => {
    for (let seen = -1; seen !== ran.length || ran.some((r) => !r.settled); ) {
      seen = ran.length;
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  const take = () => ran.splice(0, ran.length);
  return { ran, state, settle, take };
}

const distinct = (rs: Ran[]) => new Set(rs.map((r) => `${r.sql}\n${JSON.stringify(r.params)}`)).size;

async function startWithDataset(env: Record<string, string> = {}) {
  const dist = tempDir('calypso-prefetch-dist-');
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><div id="app"></div>\n');
  const svc = await startTestService({ dashboardDir: dist, env });
  const key = await loadOverviewDataset(svc);
  return { svc, key };
}

async function signIn(svc: TestService, key: string): Promise<string> {
  const res = await fetch(`${svc.url}/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...SESSION }, body: JSON.stringify({ key }) });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

/** The page load: index.html for `address`, as a browser navigates (Sec-Fetch-Site: none: typed in). */
async function loadPage(svc: TestService, address: string, headers: Record<string, string>, method = 'GET') {
  const res = await fetch(`${svc.url}${address}`, { method, headers: { 'sec-fetch-site': 'none', ...headers } });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

/** What the page sends for `address` once loaded: the key's sites, then the view's first request (view.ts). */
async function pageRequests(svc: TestService, cookie: string, address: string) {
  const post = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${svc.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-calypso-purpose': 'STATISTICS', 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data: Record<string, unknown> | null; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data!;
  };
  const sites = (await post(SITES_QUERY)).sites as SiteInfo[];
  const view = overviewView(new URL(address, svc.url).searchParams, sites, new Date());
  const q = firstRequest(view.site!.id, view.range, view.interval, view.state);
  return post(q.query, q.variables);
}

// One embedded engine per process: the two services of this file run one after the other.
let prefetched: Record<string, unknown> | undefined;
const VIEW = `/overview?site=${OVERVIEW_SITE}&range=7d`;

describe('the overview prefetch (on by default)', () => {
  let svc: TestService;
  let key: string;
  let rec: ReturnType<typeof recordStatements>;
  beforeAll(async () => {
    ({ svc, key } = await startWithDataset());
    rec = recordStatements(svc);
  }, 60_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    await svc?.stop();
  });

  it('the overview page with a valid STATISTICS session computes its first request; the page then finds every number cached', async () => {
    const cookie = await signIn(svc, key);
    await loadPage(svc, VIEW, { cookie });
    await rec.settle();
    const ahead = rec.take();
    expect(ahead.length).toBeGreaterThan(0);
    expect(ahead.every((r) => !r.sql.includes(REALTIME))).toBe(true);
    expect(ahead.every((r) => r.params?.site === OVERVIEW_SITE)).toBe(true);
    prefetched = await pageRequests(svc, cookie, VIEW);
    await rec.settle();
    // The page's request ran only realtime (not cached, not prefetched).
    expect(rec.take().map((r) => r.sql.includes(REALTIME))).toEqual([true]);
    // A reload within the cache's lifetime computes nothing.
    await loadPage(svc, VIEW, { cookie });
    await rec.settle();
    expect(rec.take()).toEqual([]);
    // Each prefetch is audited as the key's read, noted as not answered (two page loads: two of each).
    type Row = { operation: string; outcome: string; purpose: string; sites: string[]; detail: string };
    const audited = await eventually(
      () => svc.store.query<Row>("SELECT operation, outcome, purpose, sites, detail FROM audit_log WHERE operation LIKE 'OverviewPrefetch%' ORDER BY operation"),
      (r) => r.length === 4,
    );
    rec.take();
    const note = 'prefetched for the overview page: computed into the cache, not answered';
    expect(audited).toEqual([
      { operation: 'OverviewPrefetch', outcome: 'allowed', purpose: 'STATISTICS', sites: [OVERVIEW_SITE], detail: note },
      { operation: 'OverviewPrefetch', outcome: 'allowed', purpose: 'STATISTICS', sites: [OVERVIEW_SITE], detail: note },
      { operation: 'OverviewPrefetchSites', outcome: 'allowed', purpose: 'STATISTICS', sites: [], detail: note },
      { operation: 'OverviewPrefetchSites', outcome: 'allowed', purpose: 'STATISTICS', sites: [], detail: note },
    ]);
  });

  it('the page\'s request arriving while the prefetch computes joins it: each statement runs once', async () => {
    const cookie = await signIn(svc, key);
    const address = `/overview?site=${OVERVIEW_SITE}&range=30d&interval=WEEK`;
    // Every statement waits 300 ms: the page's request surely arrives while the prefetch's run.
    rec.state.hold = () => new Promise((r) => setTimeout(r, 300));
    try {
      await loadPage(svc, address, { cookie });
      await pageRequests(svc, cookie, address);
      await rec.settle();
    } finally {
      delete rec.state.hold;
    }
    const all = rec.take();
    const stats = all.filter((r) => !r.sql.includes(REALTIME));
    expect(stats.length).toBeGreaterThan(0);
    expect(distinct(stats)).toBe(stats.length);
    expect(all.length - stats.length).toBe(1);
  });

  it('nothing starts without a session, with an unknown one, for a key without STATISTICS, cross-site, for HEAD or another screen', async () => {
    const cookie = await signIn(svc, key);
    const advertising = await signIn(svc, await siteWithKey(svc, 'adsonly', ['ADVERTISING']));
    const address = `/overview?site=${OVERVIEW_SITE}&range=90d`;
    await loadPage(svc, address, {});
    await loadPage(svc, address, { cookie: `calypso_session=${'x'.repeat(43)}` });
    await loadPage(svc, address, { cookie: advertising });
    await loadPage(svc, address, { cookie, 'sec-fetch-site': 'cross-site' });
    await loadPage(svc, address, { cookie }, 'HEAD');
    await loadPage(svc, `/segments?site=${OVERVIEW_SITE}&range=90d`, { cookie });
    await new Promise((r) => setTimeout(r, 500));
    await rec.settle();
    expect(rec.take()).toEqual([]);
    // The same address with the valid session does start it (so the wait above was long enough to see one).
    await loadPage(svc, address, { cookie });
    await eventually(async () => rec.ran.length, (n) => n > 0);
    await rec.settle();
    expect(rec.take().length).toBeGreaterThan(0);
  });

  it('a key for another site prefetches its own site\'s numbers, never those of the site the address names', async () => {
    const other = await signIn(svc, await siteWithKey(svc, 'elsewhere', ['STATISTICS']));
    await loadPage(svc, `/overview?site=${OVERVIEW_SITE}&range=today`, { cookie: other });
    await eventually(async () => rec.ran.length, (n) => n > 0);
    await rec.settle();
    const ran = rec.take();
    expect(ran.length).toBeGreaterThan(0);
    expect(ran.every((r) => r.params?.site === 'elsewhere')).toBe(true);
  });

  it('single flight: two identical queries at once run the SQL once and both get the answer; an error reaches both', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const ask = (from: string) => svc.gql(key, 'STATISTICS', `{ stats(site: "${OVERVIEW_SITE}", from: "${from}", to: "${today}") { rows { page visitors } totals { visitors } suppressedRows } }`);
    const from = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
    rec.state.hold = () => new Promise((r) => setTimeout(r, 300));
    let answers: Awaited<ReturnType<typeof ask>>[];
    try {
      answers = await Promise.all([ask(from), ask(from)]);
      await rec.settle();
    } finally {
      delete rec.state.hold;
    }
    const ran = rec.take();
    expect(ran.length).toBe(1);
    expect(answers[0]!.errors).toBeUndefined();
    expect(answers[1]).toEqual(answers[0]);
    expect(JSON.stringify(answers[0]!.data)).toContain('/home');

    const failing = new Date(Date.now() - 21 * 86_400_000).toISOString().slice(0, 10);
    rec.state.hold = () => new Promise((_, reject) => setTimeout(() => reject(new Error('the engine failed')), 300));
    let failed: Awaited<ReturnType<typeof ask>>[];
    try {
      failed = await Promise.all([ask(failing), ask(failing)]);
      await rec.settle();
    } finally {
      delete rec.state.hold;
    }
    expect(rec.take().length).toBe(1);
    for (const f of failed) expect(f.errors?.length).toBeGreaterThan(0);
    // Not kept: asked again, it is computed (and answered).
    const again = await ask(failing);
    expect(again.errors).toBeUndefined();
    await rec.settle();
    expect(rec.take().length).toBe(1);
  });
});

describe('the overview prefetch turned off (CALYPSO_DASHBOARD_PREFETCH=false)', () => {
  let svc: TestService;
  let key: string;
  let rec: ReturnType<typeof recordStatements>;
  beforeAll(async () => {
    ({ svc, key } = await startWithDataset({ CALYPSO_DASHBOARD_PREFETCH: 'false' }));
    rec = recordStatements(svc);
  }, 60_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    await svc?.stop();
  });

  it('starts nothing; the page computes its numbers, the same as the prefetched ones', async () => {
    const cookie = await signIn(svc, key);
    await loadPage(svc, VIEW, { cookie });
    await new Promise((r) => setTimeout(r, 500));
    await rec.settle();
    expect(rec.take()).toEqual([]);
    const computed = await pageRequests(svc, cookie, VIEW);
    await rec.settle();
    expect(rec.take().length).toBeGreaterThan(1);
    expect(prefetched).toBeDefined();
    expect(computed).toEqual(prefetched);
  });
});
