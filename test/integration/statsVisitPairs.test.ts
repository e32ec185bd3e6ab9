// Shape 3 (visit metrics with a page filter) leaves out its fallback through the hits only when no
// visit of the range needs it (src/stats/uncertainVisits.ts): each direction of that decision, and a visit
// that stops being answerable from its pairs between the question and the query, against the answers the
// data call for. Sites of identical traffic but for what each case needs, so no answer comes from a cache.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VISIT_PAIRS_MAX } from '../../src/visits/visitPairs.ts';
import { BROWSER_UA, importedSites, startTestService, type TestService } from '../support/testService.ts';

const DAY = new Date(Date.now() - 14 * 86_400_000).toISOString().slice(0, 10);
const at = (h: number, m: number) => Date.parse(`${DAY}T00:00:00Z`) + (h * 60 + m) * 60_000;

/** Twins (k = 2): A and A2 see /home, B and B2 do not; on `over`, X and X2 see more pages than a visit keeps. */
function hits(site: string) {
  const out: Array<Record<string, unknown>> = [];
  const h = (cid: string, ts: number, path: string, referrer?: string) =>
    out.push({ site, url: `https://${site}.example${path}`, ts, cid, ua: BROWSER_UA, ip: '198.51.100.7', ...(referrer === undefined ? {} : { referrer }) });
  for (const twin of ['', '2']) {
    h(`A${twin}`, at(10, 0), '/home', 'https://yandex.ru/search/?text=x');
    h(`A${twin}`, at(10, 5), '/products');
    h(`B${twin}`, at(11, 0), '/pricing');
    h(`B${twin}`, at(11, 1), '/products');
    // Past the pairs' cap: one visit of VISIT_PAIRS_MAX + 1 distinct pages, /home among them.
    if (site === 'over') for (let i = 0; i <= VISIT_PAIRS_MAX; i++) h(`X${twin}`, at(12, i), i === 30 ? '/home' : `/many/${i}`, i === 0 ? 'https://vk.com/feed' : undefined);
  }
  return out;
}

type Kind = 'check' | 'pairs' | 'hits';
type Stats = { rows: Array<Record<string, unknown>>; totals: Record<string, unknown> | null };
const ofHome = (site: string, limit: number) =>
  `stats(site: "${site}", from: "${DAY}", to: "${DAY}", filter: [{ dimension: PAGE, op: EQ, values: ["/home"] }], limit: ${limit}) { rows { referrerSource visitors visits } totals { visitors visits pageviews } }`;

describe('shape 3: the fallback through the hits only when a visit needs it', () => {
  let svc: TestService;
  let key: string;
  /** The statistics statements run, in order: `check`, `pairs` (without the fallback), `hits` (with it). */
  let statements: Array<{ kind: Kind; failed: boolean }> = [];
  /** Run once right after the next check has answered (a write between the question and the query). */
  let afterCheck: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    svc = await startTestService();
    key = await importedSites(svc, ['plain', 'over', 'race'], hits);
    // A spy on the real store: it notes the statistics statements, the engine answers them.
    const query = svc.store.query.bind(svc.store) as (...a: unknown[]) => Promise<unknown[]>;
    svc.store.query = (async (sql: string, ...rest: unknown[]) => {
      const kind: Kind | undefined = sql.includes('AS uncertain') ? 'check' : !sql.includes('grouped AS (') ? undefined : sql.includes('visit_aliases') ? 'hits' : 'pairs';
      const noted = kind === undefined ? undefined : { kind, failed: false };
      if (noted !== undefined) statements.push(noted);
      try {
        const out = await query(sql, ...rest);
        const then = kind === 'check' ? afterCheck : undefined;
        afterCheck = undefined;
        await then?.();
        return out;
      } catch (e) {
        if (noted !== undefined) noted.failed = true;
        throw e;
      }
    }) as typeof svc.store.query;
  });
  afterAll(() => svc?.stop());

  const gql = async (query: string) => {
    const r = await svc.gql<Record<string, Stats>>(key, 'STATISTICS', query);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!;
  };

  it('answers from the pairs alone when every visit of the range has them', async () => {
    const [{ s } = { s: -1 }] = await svc.store.query<{ s: number }>("SELECT max(hit_pairs) AS s FROM visits WHERE site = 'plain'");
    expect(s).toBe(1);
    statements = [];
    const { one } = await gql(`query { one: ${ofHome('plain', 10)} }`);
    expect(one!.totals).toEqual({ visitors: 2, visits: 2, pageviews: 4 });
    expect(one!.rows).toEqual([{ referrerSource: 'search', visitors: 2, visits: 2 }]);
    expect(statements).toEqual([{ kind: 'check', failed: false }, { kind: 'pairs', failed: false }]);
  });

  it('tests a visit past the pairs\' cap against its hits, alone and in a batch', async () => {
    const states = await svc.store.query<{ s: number }>("SELECT DISTINCT hit_pairs AS s FROM visits WHERE site = 'over' ORDER BY s");
    expect(states.map((x) => x.s)).toEqual([1, 2]);
    statements = [];
    const { one } = await gql(`query { one: ${ofHome('over', 11)} }`);
    // X and X2's visits count: only their hits say they saw /home.
    expect(one!.totals).toEqual({ visitors: 4, visits: 4, pageviews: 4 + 2 * (VISIT_PAIRS_MAX + 1) });
    expect(one!.rows).toEqual([
      { referrerSource: 'search', visitors: 2, visits: 2 },
      { referrerSource: 'social', visitors: 2, visits: 2 },
    ]);
    expect(statements).toEqual([{ kind: 'check', failed: false }, { kind: 'hits', failed: false }]);
    statements = [];
    const chart = `stats(site: "over", from: "${DAY}", to: "${DAY}", filter: [{ dimension: PAGE, op: EQ, values: ["/home"] }], limit: 100) { rows { time(interval: HOUR) visits } totals { visits } }`;
    const both = await gql(`query { one: ${ofHome('over', 12)} chart: ${chart} }`);
    expect(both.one).toEqual(one);
    expect(both.chart!.rows).toEqual([{ time: `${DAY}T10:00`, visits: 2 }, { time: `${DAY}T12:00`, visits: 2 }]);
    // The same question (site, range, visit filters) answered a moment ago: not asked again.
    expect(statements).toEqual([{ kind: 'hits', failed: false }]);
  });

  it('answers through the hits when a visit loses its pairs between the question and the query', async () => {
    statements = [];
    // As a visit passing the cap does while the statistics run: its row no longer answers from its pairs.
    afterCheck = () =>
      svc.store.command("ALTER TABLE visits UPDATE hit_pairs = 2, hit_paths = [], hit_names = [] WHERE site = 'race'", {}, { mutations_sync: '2' });
    const { one } = await gql(`query { one: ${ofHome('race', 13)} }`);
    expect(one!.totals).toEqual({ visitors: 2, visits: 2, pageviews: 4 });
    expect(statements).toEqual([
      { kind: 'check', failed: false },
      { kind: 'pairs', failed: true },
      { kind: 'hits', failed: false },
    ]);
  });

  it('answers through the hits when the kept answer to the question is stale', async () => {
    // `plain` was found without such a visit by the first test; its visits lose their pairs since.
    await svc.store.command("ALTER TABLE visits UPDATE hit_pairs = 0, hit_paths = [], hit_names = [] WHERE site = 'plain'", {}, { mutations_sync: '2' });
    statements = [];
    const { one } = await gql(`query { one: ${ofHome('plain', 14)} }`);
    expect(one!.totals).toEqual({ visitors: 2, visits: 2, pageviews: 4 });
    expect(one!.rows).toEqual([{ referrerSource: 'search', visitors: 2, visits: 2 }]);
    expect(statements).toEqual([{ kind: 'pairs', failed: true }, { kind: 'hits', failed: false }]);
    // And the new answer is kept: the fallback at once.
    statements = [];
    expect((await gql(`query { one: ${ofHome('plain', 15)} }`)).one).toEqual(one);
    expect(statements).toEqual([{ kind: 'hits', failed: false }]);
  });
});
