// The stored visits of visitors the visit state cannot vouch for, read from ClickHouse (docs/visits.md):
// one query per site at a time, the requests that need one meanwhile joining the next.
//
// NOTE: each request ran its own `SELECT … FROM visits FINAL` before. When many need one at once (a state
// full to its cap under load, or without its Redis), those queries ran side by side, each paying the
// engine's fixed cost (planning, FINAL's merge over the parts), and queued behind one another in the
// embedded engine anyway: the collector's throughput fell and its native memory grew with them. Now a query
// runs alone per site, and the requests arriving while it runs wait for the next one, which asks for all
// their visitors at once (at most `maxVisitors`). A request waits at most for the query under way and its
// own; each gets exactly the rows its own query would have returned (read no earlier than it asked).
import type { EventStore } from '../store/eventStore.ts';
import { sqlToMs } from '../store/sqlTime.ts';
import type { VisitState } from './placeHit.ts';
import { normaliseStoredVisit, visitorKey, type VisitRow } from './visitRow.ts';

/** A visitor to look up, by its visitor key: its pid, or (pid 0) its cookieless hash. */
export interface LookedUpVisitor {
  readonly pid: string;
  readonly hash: string;
}

export interface VisitLookups {
  /**
   * The live stored visits of these visitors (by visitor key) that could touch hits in [lo, hi] (ms):
   * started at most `lookbackMs` before `lo` and by `hi`, ended at or after `lo`. Rejects when ClickHouse fails.
   */
  find(site: string, keys: ReadonlyMap<string, LookedUpVisitor>, lo: number, hi: number): Promise<Map<string, VisitState[]>>;
}

export interface VisitLookupsOptions {
  /** How far back before a late hit a stored visit may have started and still reach it. */
  lookbackMs: number;
  /** At most this many visitors in one query (one request's are never split). */
  maxVisitors?: number;
  /** Told of each query: how many visitors it asked for, and whether it answered. */
  onQuery?: (visitors: number, ok: boolean) => void;
}

interface Waiter {
  readonly keys: ReadonlyMap<string, LookedUpVisitor>;
  readonly lo: number;
  readonly hi: number;
  resolve(found: Map<string, VisitState[]>): void;
  reject(err: unknown): void;
}

interface Batch {
  readonly waiters: Waiter[];
  size: number;
}

export function visitLookups(store: Pick<EventStore, 'query'>, opts: VisitLookupsOptions): VisitLookups {
  const maxVisitors = opts.maxVisitors ?? 10_000;
  // Per site, the batches waiting their turn; a site is here while a query of its runs.
  const queues = new Map<string, Batch[]>();

  /** One query for the batch's visitors; every waiter is settled, whatever fails. */
  const run = async (site: string, batch: Batch) => {
    const all = new Map<string, LookedUpVisitor>();
    let lo = Infinity;
    let hi = -Infinity;
    for (const w of batch.waiters) {
      for (const [k, v] of w.keys) all.set(k, v);
      lo = Math.min(lo, w.lo);
      hi = Math.max(hi, w.hi);
    }
    let rows: VisitRow[];
    try {
      const pids: bigint[] = [];
      const hashes: bigint[] = [];
      for (const v of all.values()) {
        if (v.pid !== '0') pids.push(BigInt(v.pid));
        else hashes.push(BigInt(v.hash));
      }
      rows = await store.query<VisitRow>(
        `SELECT * FROM visits FINAL
         WHERE site = {site:String} AND (pid IN {pids:Array(UInt64)} OR (pid = 0 AND visitor_hash IN {hashes:Array(UInt64)}))
           AND start >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND start <= fromUnixTimestamp64Milli({hi:Int64}, 'UTC')
           AND end >= fromUnixTimestamp64Milli({lo:Int64}, 'UTC')`,
        { site, pids, hashes, from: lo - opts.lookbackMs, lo, hi },
      );
    } catch (err) {
      opts.onQuery?.(all.size, false);
      for (const w of batch.waiters) w.reject(err);
      return;
    }
    opts.onQuery?.(all.size, true);
    try {
      const byKey = new Map<string, Array<{ row: VisitRow; start: number; end: number }>>();
      for (const r of rows.map(normaliseStoredVisit)) {
        const key = visitorKey({ pid: r.pid, visitor_hash: r.visitor_hash, ts: r.start });
        const list = byKey.get(key) ?? [];
        list.push({ row: r, start: sqlToMs(r.start), end: sqlToMs(r.end) });
        byKey.set(key, list);
      }
      // Each request its own visitors' visits within its own bounds, as its own query would have read them.
      for (const w of batch.waiters) {
        const found = new Map<string, VisitState[]>();
        for (const k of w.keys.keys()) {
          const list = byKey.get(k)?.filter((v) => v.start >= w.lo - opts.lookbackMs && v.start <= w.hi && v.end >= w.lo);
          if (list !== undefined && list.length > 0) found.set(k, list.map((v) => ({ row: v.row, absorbed: [] })));
        }
        w.resolve(found);
      }
    } catch (err) {
      // A settled waiter ignores this.
      for (const w of batch.waiters) w.reject(err);
    }
  };

  const drain = async (site: string, queue: Batch[]) => {
    for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) await run(site, batch);
    queues.delete(site);
  };

  return {
    find(site, keys, lo, hi) {
      return new Promise((resolve, reject) => {
        const waiter: Waiter = { keys, lo, hi, resolve, reject };
        let queue = queues.get(site);
        if (queue === undefined) {
          // Nothing under way for the site: this request's query runs at once.
          queue = [{ waiters: [waiter], size: keys.size }];
          queues.set(site, queue);
          void drain(site, queue);
          return;
        }
        // A query runs: join the next one, or start another behind it when that one is full.
        const last = queue.at(-1);
        if (last !== undefined && last.size + keys.size <= maxVisitors) {
          last.waiters.push(waiter);
          last.size += keys.size;
        } else queue.push({ waiters: [waiter], size: keys.size });
      });
    },
  };
}
