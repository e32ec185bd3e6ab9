// Places a request's hits in their visits (docs/visits.md): each visitor's known visits come from the state
// store, and from ClickHouse for a hit older than the store can vouch for; the state is written only once
// the rows are durable, and each visitor is placed by one request at a time.
import type { EventRow } from '../privacy/toEventRow.ts';
import type { EventStore } from '../store/eventStore.ts';
import { sqlToMs } from '../store/sqlTime.ts';
import { placeHit, type VisitState } from './placeHit.ts';
import { VISIT_GAP_SECONDS, visitorKey, type VisitAliasRow, type VisitRow } from './visitRow.ts';
import { visitLookups } from './visitLookups.ts';
import type { HeldVisitors, VisitorRef, VisitStateStore } from './visitStateStore.ts';

export interface PlacedBatch {
  readonly visitRows: readonly VisitRow[];
  readonly aliasRows: readonly VisitAliasRow[];
  /** Keeps the new state; call once the rows are durable. Releases the visitors. */
  commit(): Promise<void>;
  /** Releases the visitors without keeping anything (the rows were not kept). */
  release(): void;
}

export interface VisitAssigner {
  /** Sets each non-bot row's `visit_id` and returns the visit rows to append with the events. */
  place(hits: ReadonlyArray<PlacedHit>): Promise<PlacedBatch>;
}

export interface PlacedHit {
  readonly row: EventRow & { visit_id?: string };
  /** The hit's time, ms since the epoch. */
  readonly ms: number;
  /** When the visitor's data was last erased: visits from before it are gone and never continued. */
  readonly erasedAt?: number | undefined;
}

export interface VisitAssignerDeps {
  store: EventStore;
  state: VisitStateStore;
  /** How far ahead of the server clock a hit's time may be (EVENT_LIMITS.maxFutureMs). */
  maxFutureMs: number;
  /** How far back before a late hit a stored visit may have started and still reach it. */
  lookbackMs?: number;
  /** Told when ClickHouse could not be asked for a late hit's visits: it is placed on what the store knows. */
  onLookupFailed?: (err: unknown) => void;
  /** Told of each query for stored visits: how many visitors it asked for, and whether it answered. */
  onLookedUp?: (visitors: number, ok: boolean) => void;
}

const GAP_MS = VISIT_GAP_SECONDS * 1000;
/** A visitor the store does not know: one shared empty list (placeHit never changes the list it is given). */
const NO_VISITS: readonly VisitState[] = Object.freeze([]);
const NOTHING: PlacedBatch = { visitRows: [], aliasRows: [], commit: async () => {}, release: () => {} };


export function createVisitAssigner(deps: VisitAssignerDeps): VisitAssigner {
  const { store, state, maxFutureMs } = deps;
  const lookbackMs = deps.lookbackMs ?? 2 * 86_400_000;
  const busy = new Map<string, Promise<void>>();
  // Requests needing ClickHouse at once share its queries (one per site at a time).
  const lookups = visitLookups(store, { lookbackMs, onQuery: deps.onLookedUp });

  /**
   * Waits until no other request places these visitors, then holds them: in sorted order, so two requests
   * never wait on each other, and all at once when none is held (most requests). One promise per request.
   */
  const hold = async (ids: readonly string[]): Promise<() => void> => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const taken: string[] = [];
    const order = ids.some((id) => busy.has(id)) ? [...ids].sort() : ids;
    for (const id of order) {
      while (busy.has(id)) await busy.get(id);
      busy.set(id, held);
      taken.push(id);
    }
    return () => {
      for (const id of taken) busy.delete(id);
      release();
    };
  };

  return {
    async place(hits) {
      const people = hits.filter((h) => h.row.is_bot === 0);
      for (const h of hits) if (h.row.is_bot !== 0) h.row.visit_id = '0';
      if (people.length === 0) return NOTHING;
      // Each visitor once: its id (site and key), and for each hit the index of its visitor.
      const keyOf: string[] = [];
      const who: number[] = [];
      const index = new Map<string, number>();
      const ids: string[] = [];
      const refs: VisitorRef[] = [];
      for (const h of people) {
        const key = visitorKey(h.row);
        const id = `${h.row.site}\u0000${key}`;
        let at = index.get(id);
        if (at === undefined) {
          at = ids.length;
          index.set(id, at);
          ids.push(id);
          refs.push({ site: h.row.site, key, id });
        }
        keyOf.push(key);
        who.push(at);
      }
      const local = await hold(ids);
      let shared: HeldVisitors | undefined;
      // The store's hold goes first; this process's lasts until then, so its next request for the same
      // visitors waits here rather than retrying against Redis.
      const releaseAll = async (writes?: Parameters<HeldVisitors['release']>[0]) => {
        const s = shared;
        shared = undefined;
        // NOTE: a lock not released (Redis unreachable) expires by itself (redisVisitStateStore.ts).
        if (s !== undefined) await s.release(writes).catch(() => {});
        local();
      };
      const release = () => void releaseAll();
      try {
        // Other collectors may place the same visitors: the store excludes them across processes.
        if (state.hold !== undefined) shared = await state.hold(refs);
        const read = shared ?? (await state.getMany(refs));
        // Each visitor's known visits, by its index in `ids`.
        const visits: Array<readonly VisitState[]> = ids.map((_, i) => read.visits[i] ?? NO_VISITS);
        // A hit whose neighbouring visits may have been written before the store's memory begins.
        const since = read.since;
        const sinceEach = 'sinceEach' in read ? read.sinceEach : undefined;
        const late = new Map<string, { keys: Map<string, { pid: string; hash: string }>; lo: number; hi: number }>();
        people.forEach((h, i) => {
          if (h.ms - GAP_MS - maxFutureMs >= (sinceEach?.[who[i]!] ?? since)) return;
          const l = late.get(h.row.site) ?? { keys: new Map(), lo: h.ms, hi: h.ms };
          l.keys.set(keyOf[i]!, { pid: h.row.pid, hash: h.row.visitor_hash });
          l.lo = Math.min(l.lo, h.ms - GAP_MS);
          l.hi = Math.max(l.hi, h.ms + GAP_MS);
          late.set(h.row.site, l);
        });
        // NOTE: a hit is never refused for this: without ClickHouse it may open a visit that should have
        // continued one, and the failure is reported (a metric and a log line), not hidden.
        const answers = late.size === 0 ? [] : await Promise.all(
          [...late].map(async ([site, l]) => ({
            site,
            found: await lookups.find(site, l.keys, l.lo, l.hi).catch((err: unknown) => {
              deps.onLookupFailed?.(err);
              return new Map<string, VisitState[]>();
            }),
          })),
        );
        for (const { site, found } of answers) {
          for (const [key, list] of found) {
            const at = index.get(`${site}\u0000${key}`);
            if (at === undefined) continue;
            const known = visits[at]!;
            // The store's version of a visit is the newer one.
            visits[at] = [...known, ...list.filter((v) => !known.some((k) => k.row.visit_id === v.row.visit_id || k.absorbed.includes(v.row.visit_id)))];
          }
        }
        const rows: VisitRow[] = [];
        const aliasRows: VisitAliasRow[] = [];
        // A version stated by an earlier hit of this request and cancelled by a later one is never written:
        // a visit with several hits in one request gets one new version (and one cancel of the stored one).
        // Only a visitor with several hits here can fold (most requests: one hit per visitor).
        const stated = ids.length < people.length ? new Map<string, number>() : undefined;
        let folded = 0;
        people.forEach((h, i) => {
          const known = visits[who[i]!]!;
          const erasedAt = h.erasedAt;
          const alive = erasedAt === undefined ? known : known.filter((v) => sqlToMs(v.row.start) > erasedAt);
          const placed = placeHit(alive, h.row, keyOf[i]!, h.ms);
          h.row.visit_id = placed.visitId;
          if (stated === undefined) for (const r of placed.visitRows) rows.push(r);
          else for (const r of placed.visitRows) {
            const version = `${r.visit_id}/${r.version}`;
            const at = r.sign === -1 ? stated.get(version) : undefined;
            if (at === undefined) {
              if (r.sign === 1) stated.set(version, rows.length);
              rows.push(r);
            } else {
              stated.delete(version);
              rows[at] = undefined as unknown as VisitRow;
              folded++;
            }
          }
          for (const a of placed.aliasRows) aliasRows.push(a);
          visits[who[i]!] = placed.visits;
        });
        const visitRows = folded === 0 ? rows : rows.filter((r) => r !== undefined);
        return {
          visitRows,
          aliasRows,
          async commit() {
            const writes = refs.map((r, i) => ({ ...r, visits: visits[i]! }));
            // Held across processes: written and released in one go.
            if (shared !== undefined) return releaseAll(writes);
            try {
              await state.setMany(writes);
            } finally {
              await releaseAll();
            }
          },
          release,
        };
      } catch (err) {
        release();
        throw err;
      }
    },
  };
}
