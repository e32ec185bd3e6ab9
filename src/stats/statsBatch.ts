// The `stats` calls of one GraphQL operation, gathered so that those reading the same rows (visits, or
// hits) run as one query (compileStatsBatch.ts); every other call runs alone, as before. Each answer is
// what its own query would have answered.
//
// When to run: graphql-js starts every root field's resolver in one synchronous loop, so each resolver
// `enter`s before any of them awaits; each then either hands its query over (`run`) or `leave`s (a cache
// hit, an error). Once no entered call is still undecided, the gathered ones run. Waiting for the slowest
// cache lookup costs little: every lookup of the operation started at the same time.
import { compileStatsBatch, groupBatches, isBatchable, rankStatsBatch, splitStatsBatch } from './compileStatsBatch.ts';
import { tailInJs, type CompiledStats, type StatsQuery } from './statsQuery.ts';
import { compileStats, type StatsSqlOptions } from './compileStats.ts';
import { StoreError } from '../store/storeError.ts';
import { timeTail, toStatsValue, withSuppressed, type ResultRow, type StatsValue } from './statsResult.ts';
import { createVisitPairsDecision, type VisitPairsDecision } from './uncertainVisits.ts';

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

/** MEMORY_LIMIT_EXCEEDED: a server gives the code, the embedded engine its name in the message. */
const isMemoryLimit = (e: unknown): boolean => e instanceof StoreError && (e.code === '241' || e.message.includes('MEMORY_LIMIT_EXCEEDED'));

/** The sites whose queries outgrew the lists' bound lately (VisitorListsMemo). */
export interface VisitorListsMemo {
  allowed(site: string): boolean;
  refused(site: string): void;
}

/**
 * A site whose query was stopped at the lists' memory bound is asked with `uniq` states at once for the
 * next `ttlMs`: its ranges hold too many rows, and each stopped attempt would cost the reading of up to
 * the bound's worth of rows again (seconds for a site of a hundred million hits).
 */
export function createVisitorListsMemo(ttlMs = 10 * 60_000, now: () => number = Date.now): VisitorListsMemo {
  const until = new Map<string, number>();
  return {
    allowed(site) {
      const t = until.get(site);
      if (t === undefined) return true;
      if (t > now()) return false;
      until.delete(site);
      return true;
    },
    refused: (site) => void until.set(site, now() + ttlMs),
  };
}

/**
 * `decide`: shared by the batchers of a service, so that its kept answers serve every operation.
 * A query counting visitors from lists (compileHitStats.ts) that the engine stopped at its memory bound (a
 * range of more hits than the lists may hold) is asked again with `uniq` states: the same answer.
 */
export function createStatsBatcher(
  runSql: RunStatsSql,
  decide: VisitPairsDecision = createVisitPairsDecision(runSql),
  lists: VisitorListsMemo = createVisitorListsMemo(),
): StatsBatcher {
  let undecided = 0;
  let pending: Pending[] = [];

  // `compiled` is the default compilation (the cache's key); a visit-pairs decision may run another SQL
  // of the same answer (uncertainVisits.ts).
  const alone = (q: StatsQuery, compiled: CompiledStats) =>
    decide(q, async (options) => {
      const sql = options.uncertainVisits === false ? compileStats(q, options) : compiled;
      const out = await runCompiled(q, sql, options);
      const rows = tailInJs(q) ? timeTail(out, compiled.columns.get('time')!, q.k, q.limit) : withSuppressed(out);
      return toStatsValue(rows, compiled, q.dimensions.length === 0, q.k);
    });

  const runCompiled = async (q: StatsQuery, sql: CompiledStats, options: StatsSqlOptions) => {
    const states = () => {
      const c = compileStats(q, { ...options, visitorLists: false });
      return runSql(c.sql, c.params);
    };
    if (sql.visitorLists === true && !lists.allowed(q.site)) return states();
    try {
      return await runSql(sql.sql, sql.params);
    } catch (e) {
      if (sql.visitorLists !== true || !isMemoryLimit(e)) throw e;
      lists.refused(q.site);
      return states();
    }
  };

  const runGroup = async (group: Pending[]) => {
    try {
      const one = group.length === 1 ? group[0] : undefined;
      if (one !== undefined) return one.resolve(await alone(one.q, one.compiled));
      const qs = group.map((p) => p.q);
      const { batch, out } = await decide(qs[0]!, async (options) => {
        const site = qs[0]!.site;
        const b = compileStatsBatch(qs, lists.allowed(site) ? options : { ...options, visitorLists: false });
        try {
          return { batch: b, out: rankStatsBatch(await runSql(b.sql, b.params), b) };
        } catch (e) {
          if (b.visitorLists !== true || !isMemoryLimit(e)) throw e;
          lists.refused(site);
          const states = compileStatsBatch(qs, { ...options, visitorLists: false });
          return { batch: states, out: rankStatsBatch(await runSql(states.sql, states.params), states) };
        }
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
