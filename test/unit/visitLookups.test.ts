import { describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/store/eventStore.ts';
import { nowSql } from '../../src/store/sqlTime.ts';
import { visitLookups, type LookedUpVisitor } from '../../src/visits/visitLookups.ts';
import type { VisitRow } from '../../src/visits/visitRow.ts';

const MIN = 60_000;
const T = Date.parse('2026-12-02T10:00:00Z');

interface Asked {
  site: string;
  pids: string[];
  lo: number;
  hi: number;
  answer(rows: VisitRow[]): void;
  fail(err: Error): void;
}

/** A store whose queries the test answers by hand, recording what each asked. */
function heldStore() {
  const asked: Asked[] = [];
  const store: Pick<EventStore, 'query'> = {
    query: <T>(_sql: string, p?: Record<string, unknown>) =>
      new Promise<T[]>((resolve, reject) => {
        const q = p as { site: string; pids: bigint[]; lo: number; hi: number };
        asked.push({ site: q.site, pids: q.pids.map(String), lo: q.lo, hi: q.hi, answer: (rows) => resolve(rows as T[]), fail: reject });
      }),
  };
  return { store, asked };
}

const visit = (pid: string, id: string, start: number, end: number) =>
  ({ site: 's', visit_id: id, version: 1, sign: 1, pid, visitor_hash: '0', start: nowSql(new Date(start)), end: nowSql(new Date(end)), entry_ts: nowSql(new Date(start)), exit_ts: nowSql(new Date(end)), hits: 1, pageviews: 1, events: 0, retention_days: 30 }) as unknown as VisitRow;
const keys = (...pids: string[]) => new Map<string, LookedUpVisitor>(pids.map((p) => [`p${p}`, { pid: p, hash: '0' }]));
const tick = () => new Promise((r) => setImmediate(r));

describe('the visit look-ups', () => {
  it('runs one query per site at a time: the requests meanwhile share the next, each getting its own visitors', async () => {
    const { store, asked } = heldStore();
    const counted: Array<[number, boolean]> = [];
    const lookups = visitLookups(store, { lookbackMs: 0, onQuery: (n, ok) => counted.push([n, ok]) });
    const first = lookups.find('s', keys('1'), T - 30 * MIN, T + 30 * MIN);
    await tick();
    expect(asked.map((a) => a.pids)).toEqual([['1']]);
    const later = [lookups.find('s', keys('2', '3'), T - 30 * MIN, T + 30 * MIN), lookups.find('s', keys('4'), T - 60 * MIN, T)];
    // Another site is not held up by this one.
    const other = lookups.find('t', keys('9'), T, T);
    await tick();
    expect(asked.map((a) => [a.site, a.pids])).toEqual([['s', ['1']], ['t', ['9']]]);
    asked[0]!.answer([visit('1', 'v1', T - 5 * MIN, T)]);
    expect([...(await first).entries()].map(([k, v]) => [k, v.map((x) => x.row.visit_id)])).toEqual([['p1', ['v1']]]);
    await tick();
    // The two later requests as one query, over both their bounds.
    expect(asked[2]).toMatchObject({ site: 's', pids: ['2', '3', '4'], lo: T - 60 * MIN, hi: T + 30 * MIN });
    asked[2]!.answer([
      visit('2', 'v2', T - 10 * MIN, T - 9 * MIN),
      visit('4', 'v4', T - 50 * MIN, T - 45 * MIN),
      // Within the joint query's bounds, not its own request's: that request's own query would not have read it.
      visit('3', 'v3', T - 55 * MIN, T - 40 * MIN),
      visit('7', 'v7', T, T),
    ]);
    const [a, b] = await Promise.all(later);
    expect([...a!.entries()].map(([k, v]) => [k, v.map((x) => x.row.visit_id)])).toEqual([['p2', ['v2']]]);
    expect([...b!.entries()].map(([k, v]) => [k, v.map((x) => x.row.visit_id)])).toEqual([['p4', ['v4']]]);
    asked[1]!.answer([]);
    expect((await other).size).toBe(0);
    // Visitors asked for, per query in the order they answered.
    expect(counted).toEqual([[1, true], [3, true], [1, true]]);
  });

  it('puts at most maxVisitors in one query, never splitting a request', async () => {
    const { store, asked } = heldStore();
    const lookups = visitLookups(store, { lookbackMs: 0, maxVisitors: 3 });
    const all = [lookups.find('s', keys('8'), T, T), lookups.find('s', keys('1', '2'), T, T), lookups.find('s', keys('3'), T, T), lookups.find('s', keys('4', '5', '6', '7'), T, T)];
    for (let i = 0; i < 3; i++) {
      await tick();
      asked[i]!.answer([]);
    }
    await Promise.all(all);
    expect(asked.map((a) => a.pids)).toEqual([['8'], ['1', '2', '3'], ['4', '5', '6', '7']]);
  });

  it('fails every request of a failed query, counts it, and goes on with the next', async () => {
    const { store, asked } = heldStore();
    const counted: Array<[number, boolean]> = [];
    const lookups = visitLookups(store, { lookbackMs: 0, onQuery: (n, ok) => counted.push([n, ok]) });
    const first = lookups.find('s', keys('1'), T, T);
    const second = [lookups.find('s', keys('2'), T, T), lookups.find('s', keys('3'), T, T)];
    await tick();
    asked[0]!.answer([]);
    await first;
    await tick();
    asked[1]!.fail(new Error('engine down'));
    const settled = await Promise.allSettled(second);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    const again = lookups.find('s', keys('4'), T, T);
    await tick();
    asked[2]!.answer([visit('4', 'v4', T, T)]);
    expect((await again).get('p4')?.length).toBe(1);
    expect(counted).toEqual([[1, true], [2, false], [1, true]]);
  });
});
