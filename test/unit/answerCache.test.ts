// Kept statistics answers (src/graphql/answerCache.ts): what is kept, for whom, for how long, and that a
// kept answer is checked and audited as the operation would be. The statistics cache over the in-process
// LRU; sites from a map.
import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiKey } from '../../src/access/apiKey.ts';
import type { Purpose } from '../../src/access/purposes.ts';
import type { Auth } from '../../src/access/requestAccess.ts';
import { AuditTrail } from '../../src/audit/auditTrail.ts';
import { createMemoryCache } from '../../src/cache/memoryCache.ts';
import { createAnswerCache, type AnswerCacheOptions } from '../../src/graphql/answerCache.ts';
import { buildSchema } from '../../src/graphql/buildSchema.ts';
import type { RequestContext } from '../../src/graphql/requestContext.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import type { Site, SiteStore } from '../../src/sites/siteStore.ts';
import { createStatsCache, type StatsCache } from '../../src/stats/statsCache.ts';

const schema = buildSchema([]);
const KEY: ApiKey = { id: 'key_1', name: 'k', purposes: ['STATISTICS'], sites: ['shop', 'blog'], createdAt: '', revokedAt: null };
const site = (id: string, k = 5): Site => ({ id, name: id, hostnames: [], timezone: 'UTC', kAnonymity: k, retentionDays: 400, defaultConsent: 0, createdAt: '' });

let sites: Map<string, Site>;
let statsCache: StatsCache;
const siteStore = { get: async (id: string) => sites.get(id), peek: (id: string) => sites.get(id) } as unknown as SiteStore;

beforeEach(() => {
  sites = new Map([
    ['shop', site('shop')],
    ['blog', site('blog')],
  ]);
  statsCache = createStatsCache(createMemoryCache(), createMetrics());
});

const contextOf = (key: ApiKey = KEY, purpose: string = 'STATISTICS', kind: Auth['kind'] = 'ok'): RequestContext => ({
  access: { auth: (kind === 'ok' || kind === 'revoked' ? { kind, key } : { kind }) as Auth, purpose: purpose as Purpose, purposeText: purpose },
  audit: new AuditTrail(),
  response: {},
  answered: [],
});

/** What the stats resolver and enforcePurposes.ts leave on a context: one answered `stats` field per site, stored. */
async function answeredOn(context: RequestContext, ...ids: string[]): Promise<void> {
  for (const id of ids) {
    context.audit.touch('Query.stats', [id], undefined);
    const looked = await statsCache.lookup(id, { sql: `SELECT ${id}`, params: {} });
    if ('key' in looked) await statsCache.store(looked.key, { rows: [], totals: {}, suppressedRows: 0 });
    const s = sites.get(id)!;
    context.answered!.push({ entry: looked.entry, site: { id, timezone: s.timezone, kAnonymity: s.kAnonymity, retentionDays: s.retentionDays } });
  }
}

const answer = (body: string): { status: number; body: string; data: unknown; errors: unknown } => ({ status: 200, body, data: { a: { rows: [1, 2, 3] }, b: { rows: [4] } }, errors: undefined });
const BODY = '{"query":"{ a: stats(site: \\"shop\\") { suppressedRows } }"}';

async function kept(options: AnswerCacheOptions = {}, ...ids: string[]) {
  const answers = createAnswerCache({ schema, sites: siteStore, statsCache }, options);
  const first = contextOf();
  await answeredOn(first, ...(ids.length === 0 ? ['shop'] : ids));
  answers.keep(BODY, first, answer('{"data":1}\n'));
  return answers;
}

describe('answerCache', () => {
  it('sends the kept body again to the same body under the same access, audited as the operation', async () => {
    const answers = await kept({}, 'shop', 'blog');
    const again = contextOf();
    const served = await answers.serve(BODY, again);
    expect(served?.body).toBe('{"data":1}\n');
    expect(served?.bytes).toBe(11);
    expect(served?.rows).toBe(4);
    // The row the whole path writes: the field touched with every site, in order, nothing denied.
    expect(again.audit.toRow('key_1', 'STATISTICS', 'Q', served!.rows, undefined)).toMatchObject({ fields: ['Query.stats'], sites: ['shop', 'blog'], outcome: 'allowed', code: '', rows: 4 });
  });

  it('never shares an entry between bodies, keys, key scopes or purposes', async () => {
    const answers = await kept();
    expect(await answers.serve(`${BODY} `, contextOf())).toBeUndefined();
    expect(await answers.serve('{"query":"{ a: stats(site: \\"shop\\") { suppressedRows } }","variables":{"x":1}}', contextOf())).toBeUndefined();
    expect(await answers.serve(BODY, contextOf({ ...KEY, id: 'key_2' }))).toBeUndefined();
    // The same key's id with other sites or purposes (never so today: a key's scope is fixed) is another entry.
    expect(await answers.serve(BODY, contextOf({ ...KEY, sites: ['shop'] }))).toBeUndefined();
    expect(await answers.serve(BODY, contextOf({ ...KEY, sites: '*' }))).toBeUndefined();
    expect(await answers.serve(BODY, contextOf({ ...KEY, purposes: ['STATISTICS', 'ADVERTISING'] }))).toBeUndefined();
    expect(await answers.serve(BODY, contextOf(KEY, 'ADVERTISING'))).toBeUndefined();
    expect(await answers.serve(BODY, contextOf())).toBeDefined();
  });

  it('a revoked or unknown key goes the whole way, its trail untouched', async () => {
    const answers = await kept();
    const revoked = contextOf(KEY, 'STATISTICS', 'revoked');
    expect(await answers.serve(BODY, revoked)).toBeUndefined();
    expect(revoked.audit.touched()).toEqual({ fields: [], sites: [] });
    expect(await answers.serve(BODY, contextOf(KEY, 'STATISTICS', 'unknown'))).toBeUndefined();
    expect(await answers.serve(BODY, contextOf())).toBeDefined();
  });

  it('holds only while the statistics cache would hit: a site watermark, the global one, the entry gone', async () => {
    let answers = await kept();
    await statsCache.bump(['blog']);
    expect(await answers.serve(BODY, contextOf())).toBeDefined();
    await statsCache.bump(['shop']);
    expect(await answers.serve(BODY, contextOf())).toBeUndefined();
    expect(answers.size).toBe(0);

    answers = await kept();
    await statsCache.bump('*');
    expect(await answers.serve(BODY, contextOf())).toBeUndefined();

    const memory = createMemoryCache({ maxEntries: 2 });
    statsCache = createStatsCache(memory, createMetrics());
    answers = await kept();
    // Two other entries evict the answer from the statistics cache's LRU.
    await memory.set('x', '1', 60_000);
    await memory.set('y', '1', 60_000);
    expect(await answers.serve(BODY, contextOf())).toBeUndefined();
  });

  it('holds only while the site keeps its time zone, k and retention, and exists', async () => {
    for (const change of [{ kAnonymity: 6 }, { timezone: 'Europe/Moscow' }, { retentionDays: 30 }, undefined]) {
      sites.set('shop', site('shop'));
      const answers = await kept();
      if (change === undefined) sites.delete('shop');
      else sites.set('shop', { ...site('shop'), ...change });
      expect(await answers.serve(BODY, contextOf())).toBeUndefined();
    }
  });

  it('keeps only answers of stats fields alone, whole, without errors, each noted in the statistics cache', async () => {
    const answers = createAnswerCache({ schema, sites: siteStore, statsCache });
    const cases: Array<[string, (c: RequestContext) => Promise<unknown> | void, ReturnType<typeof answer> | undefined]> = [
      ['an error', () => {}, { ...answer('{}'), errors: [{ message: 'x' }] }],
      ['not 200', () => {}, { ...answer('{}'), status: 400 }],
      ['degraded', (c) => void (c.response.degraded = 'segments'), undefined],
      ['another root field', (c) => c.audit.touch('Query.sites', [], undefined), undefined],
      ['a nested field denied', (c) => c.audit.touch('Stats.rows', [], 'PURPOSE_NOT_ALLOWED'), undefined],
      ['the cache failed', (c) => void (c.answered![0] = { ...c.answered![0]!, entry: { ...c.answered![0]!.entry, key: '' } }), undefined],
    ];
    for (const [, change, given] of cases) {
      const c = contextOf();
      await answeredOn(c, 'shop');
      await change(c);
      answers.keep(BODY, c, given ?? answer('{"data":1}\n'));
    }
    const none = contextOf();
    none.audit.touch('Query.stats', ['shop'], undefined);
    answers.keep(BODY, none, answer('{"data":1}\n'));
    const unauthenticated = contextOf(KEY, 'STATISTICS', 'missing');
    await answeredOn(unauthenticated, 'shop');
    answers.keep(BODY, unauthenticated, answer('{"data":1}\n'));
    expect(answers.size).toBe(0);
  });

  it('is bounded: entries, bytes in all, bytes of one answer', async () => {
    const answers = createAnswerCache({ schema, sites: siteStore, statsCache }, { maxEntries: 3, maxBytes: 100_000, maxAnswerBytes: 10_000 });
    for (let i = 0; i < 5; i++) {
      const c = contextOf();
      await answeredOn(c, 'shop');
      answers.keep(`${BODY}${i}`, c, answer('{"data":1}\n'));
    }
    expect(answers.size).toBe(3);
    expect(await answers.serve(`${BODY}0`, contextOf())).toBeUndefined();
    expect(await answers.serve(`${BODY}4`, contextOf())).toBeDefined();

    const big = contextOf();
    await answeredOn(big, 'shop');
    answers.keep('big', big, answer('x'.repeat(10_001)));
    expect(await answers.serve('big', contextOf())).toBeUndefined();

    const bytes = createAnswerCache({ schema, sites: siteStore, statsCache }, { maxBytes: 30_000, maxAnswerBytes: 10_000 });
    for (let i = 0; i < 5; i++) {
      const c = contextOf();
      await answeredOn(c, 'shop');
      bytes.keep(`${BODY}${i}`, c, answer('x'.repeat(9_000)));
    }
    expect(bytes.size).toBeLessThanOrEqual(3);
  });
});
