// The decision of src/stats/uncertainVisits.ts without an engine: which SQL runs, how many questions are
// asked, and for how long and for how many questions an answer is kept (the engine's side of it is in
// test/integration/statsVisitPairs.test.ts).
import { describe, expect, it } from 'vitest';
import type { StatsQuery } from '../../src/stats/compileStats.ts';
import { UNCERTAIN_VISIT, type VisitSqlOptions } from '../../src/stats/compileVisitStats.ts';
import { parseStatsRange } from '../../src/stats/statsRange.ts';
import { createVisitPairsDecision } from '../../src/stats/uncertainVisits.ts';
import { StoreError } from '../../src/store/storeError.ts';

const query = (site: string, extra: Partial<StatsQuery> = {}): StatsQuery => ({
  site,
  timezone: 'UTC',
  range: parseStatsRange('2026-11-01', '2026-11-07', 395),
  k: 2,
  dimensions: ['referrerSource'],
  interval: 'DAY',
  metrics: ['visits'],
  filters: [{ dimension: 'page', op: 'EQ', values: ['/home'] }],
  order: [],
  limit: 10,
  offset: 0,
  ...extra,
});

/** A question answered "some" for the sites in `uncertain`, "none" otherwise; every question counted. */
function engine(uncertain: Set<string> = new Set()) {
  const asked: string[] = [];
  const runSql = async (_sql: string, params: Record<string, unknown>) => {
    asked.push(String(params.site));
    return uncertain.has(String(params.site)) ? [{ uncertain: 1 }] : [];
  };
  return { asked, runSql };
}

/** What `run` was handed each time, and its answer: the options' fallback flag. */
const recorder = () => {
  const seen: Array<boolean | undefined> = [];
  const run = async (o: VisitSqlOptions) => {
    seen.push(o.uncertainVisits);
    return o.uncertainVisits;
  };
  return { seen, run };
};

describe('the visit-pairs decision', () => {
  it('asks nothing for a query that is not shape 3, and runs it as compiled', async () => {
    const { asked, runSql } = engine();
    const decide = createVisitPairsDecision(runSql);
    const { seen, run } = recorder();
    await decide(query('a', { filters: [] }), run);
    await decide(query('a', { metrics: ['pageviews'], dimensions: ['page'] }), run);
    expect(asked).toEqual([]);
    expect(seen).toEqual([undefined, undefined]);
  });

  it('leaves the fallback out when the question finds no visit without pairs, keeps it when it finds one', async () => {
    const { asked, runSql } = engine(new Set(['some']));
    const decide = createVisitPairsDecision(runSql);
    const { seen, run } = recorder();
    await decide(query('none'), run);
    await decide(query('some'), run);
    expect(asked).toEqual(['none', 'some']);
    expect(seen).toEqual([false, undefined]);
  });

  it('keeps an answer for ttlMs per question, then asks again', async () => {
    let now = 1_000_000;
    const { asked, runSql } = engine();
    const decide = createVisitPairsDecision(runSql, { ttlMs: 60_000, now: () => now });
    const { run } = recorder();
    await decide(query('a'), run);
    now += 59_999;
    await decide(query('a'), run);
    // Another range is another question.
    await decide(query('a', { range: parseStatsRange('2026-11-02', '2026-11-07', 395) }), run);
    expect(asked).toEqual(['a', 'a']);
    now += 1;
    await decide(query('a'), run);
    expect(asked).toEqual(['a', 'a', 'a']);
  });

  it('keeps at most `max` questions, dropping the oldest first', async () => {
    const { asked, runSql } = engine();
    const decide = createVisitPairsDecision(runSql, { max: 2 });
    const { run } = recorder();
    for (const site of ['a', 'b', 'c']) await decide(query(site), run);
    await decide(query('c'), run);
    await decide(query('b'), run);
    expect(asked).toEqual(['a', 'b', 'c']);
    await decide(query('a'), run);
    expect(asked).toEqual(['a', 'b', 'c', 'a']);
  });

  it('a visit without pairs met after a "none": the query runs again with the fallback, and "some" is kept', async () => {
    const { asked, runSql } = engine();
    const decide = createVisitPairsDecision(runSql);
    const seen: Array<boolean | undefined> = [];
    const run = async (o: VisitSqlOptions) => {
      seen.push(o.uncertainVisits);
      if (o.uncertainVisits === false) throw new StoreError(`Code: 395. ${UNCERTAIN_VISIT}: while executing`, { retryable: false, code: '395' });
      return 'full';
    };
    expect(await decide(query('a'), run)).toBe('full');
    expect(await decide(query('a'), run)).toBe('full');
    expect(seen).toEqual([false, undefined, undefined]);
    expect(asked).toEqual(['a']);
    // Any other failure is the query's own.
    const failing = async () => {
      throw new Error('MEMORY_LIMIT_EXCEEDED');
    };
    await expect(createVisitPairsDecision(engine().runSql)(query('b'), failing)).rejects.toThrow('MEMORY_LIMIT_EXCEEDED');
    // So is one with the text under another code, or not from the store.
    for (const e of [new StoreError(`Code: 6. Cannot parse '${UNCERTAIN_VISIT}'`, { retryable: false, code: '6' }), new Error(UNCERTAIN_VISIT)]) {
      const quoting = async (o: VisitSqlOptions) => {
        if (o.uncertainVisits === false) throw e;
        return 'full';
      };
      await expect(createVisitPairsDecision(engine().runSql)(query('c'), quoting)).rejects.toBe(e);
    }
  });
});
