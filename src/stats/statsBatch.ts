// The `stats` calls of one GraphQL operation, gathered so that those reading the same rows (visits, or
// hits) run as one query (compileStatsBatch.ts); every other call runs alone, as before. Each answer is
// what its own query would have answered.
//
// When to run: graphql-js starts every root field's resolver in one synchronous loop, so each resolver
// `enter`s before any of them awaits; each then either hands its query over (`run`) or `leave`s (a cache
// hit, an error). Once no entered call is still undecided, the gathered ones run. Waiting for the slowest
// cache lookup costs little: every lookup of the operation started at the same time.
import { compileStatsBatch, groupBatches, isBatchable, rankStatsBatch, splitStatsBatch, type CompiledBatch } from './compileStatsBatch.ts';
import { tailInJs, type CompiledStats, type StatsQuery } from './statsQuery.ts';
import { compileStats } from './compileStats.ts';
import { timeTail, toStatsValue, withSuppressed, type ResultRow, type StatsValue } from './statsResult.ts';
import { createVisitPairsDecision, type VisitPairsDecision } from './uncertainVisits.ts';
import { createVisitorListsMemo, withVisitorLists, type VisitorListsMemo } from './visitorLists.ts';

export type RunStatsSql = (sql: string, params: Record<string, unknown>) => Promise<ResultRow[]>;

export interface StatsTicket {
  /** The call's answer: alone, or from its batch. */
  run(q: StatsQuery, compiled: CompiledStats): Promise<StatsValue>;
  /** The call will not run (or has): idempotent, so a resolver may call it in `finally`. */
  leave(): void;
}

export interface StatsBatcher {
  /** Called by a resolver before its first await. */
  enter(): StatsTicket;
}

interface Pending {
  q: StatsQuery;
  compiled: CompiledStats;
  resolve: (v: StatsValue) => void;
  reject: (e: unknown) => void;
}

/** `decide` and `lists`: shared by the batchers of a service, so that what they learn serves every operation. */
export function createStatsBatcher(
  runSql: RunStatsSql,
  decide: VisitPairsDecision = createVisitPairsDecision(runSql),
  lists: VisitorListsMemo = createVisitorListsMemo(),
): StatsBatcher {
  let undecided = 0;
  let pending: Pending[] = [];

  // `compiled` is the default compilation (the cache's key); a visit-pairs decision (uncertainVisits.ts) or
  // the lists' fallback (visitorLists.ts) may run another SQL of the same answer.
  const alone = (q: StatsQuery, compiled: CompiledStats) =>
    decide(q, async (options) => {
      const compile = (lists: boolean) => (lists && options.uncertainVisits !== false ? compiled : compileStats(q, { ...options, visitorLists: lists }));
      const out = await withVisitorLists(lists, q.site, compile, (c) => runSql(c.sql, c.params));
      const rows = tailInJs(q) ? timeTail(out, compiled.columns.get('time')!, q.k, q.limit) : withSuppressed(out);
      return toStatsValue(rows, compiled, q.dimensions.length === 0, q.k);
    });

  const runGroup = async (group: Pending[]) => {
    try {
      const one = group.length === 1 ? group[0] : undefined;
      if (one !== undefined) return one.resolve(await alone(one.q, one.compiled));
      const qs = group.map((p) => p.q);
      const { batch, out } = await decide(qs[0]!, async (options) => {
        const run = async (b: CompiledBatch) => ({ batch: b, out: rankStatsBatch(await runSql(b.sql, b.params), b) });
        return withVisitorLists(lists, qs[0]!.site, (l) => compileStatsBatch(qs, { ...options, visitorLists: l }), run);
      });
      for (const p of group) {
        const { rows, compiled } = splitStatsBatch(out, batch, p.q);
        p.resolve(toStatsValue(rows, compiled, false, p.q.k));
      }
    } catch (e) {
      for (const p of group) p.reject(e);
    }
  };

  const flush = () => {
    const calls = pending;
    pending = [];
    for (const group of groupBatches(calls)) void runGroup(group);
  };

  const decided = () => {
    undecided -= 1;
    // A microtask, so that the last caller has its promise before the batch settles it.
    if (undecided === 0 && pending.length > 0) queueMicrotask(flush);
  };

  return {
    enter() {
      undecided += 1;
      let open = true;
      const close = () => {
        if (!open) return false;
        open = false;
        decided();
        return true;
      };
      return {
        run(q, compiled) {
          if (!isBatchable(q) || !open) {
            close();
            return alone(q, compiled);
          }
          const answer = new Promise<StatsValue>((resolve, reject) => pending.push({ q, compiled, resolve, reject }));
          close();
          return answer;
        },
        leave() {
          close();
        },
      };
    },
  };
}
