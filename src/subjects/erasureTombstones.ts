// Erasure tombstones as the collector reads them: (site, pid) → when it was erased. A hit for an erased
// pid stamped before that time is dropped (it was in flight, or is an old import). An in-memory copy of
// `erasures`, re-read every `refreshMs` (the last hour's; all of them every 10 minutes); the erasing
// instance's own tombstones are kept beside it, so a re-read that does not hold them yet cannot drop them.
import type { EventStore } from '../store/eventStore.ts';
import { TableSnapshot } from '../store/tableSnapshot.ts';

export interface ErasureTombstones {
  /** When the pid was last erased on the site (ms), or undefined; without a promise from the copy in hand. */
  erasedAt(site: string, pid: string): number | undefined | Promise<number | undefined>;
  add(site: string, pid: string, erasedAtMs: number): void;
  /** The first read of `erasures`; resolves (without throwing) once it has been tried. */
  readonly ready: Promise<void>;
}

const key = (site: string, pid: string) => `${site}\0${pid}`;

/** Every tombstone, one row per (site, pid): read at start and every FULL_READ_EVERY_MS. */
const ALL_SQL = 'SELECT site, toString(pid) AS pid, toUnixTimestamp64Milli(max(erased_at)) AS at FROM erasures GROUP BY site, pid';
/**
 * Tombstones stamped in the last hour: the reads in between, so a collector does not re-read every
 * erasure ever made each second.
 * NOTE: assumes an erasure's row lands within an hour of its stamp (it takes seconds) and that the
 * instances' clocks differ by less than that; the full read catches anything else.
 */
const RECENT_SQL = ALL_SQL.replace(' GROUP BY', ' WHERE erased_at > now64(3) - toIntervalHour(1) GROUP BY');
const FULL_READ_EVERY_MS = 600_000;

export interface ErasureTombstonesOptions {
  /** How often the last hour's tombstones are re-read (the longest another instance's erasure takes to reach this one). Default 1 000 ms; never on the embedded engine. */
  refreshMs?: number;
  /** How often every tombstone is read again. Default 600 000 ms. */
  fullReadEveryMs?: number;
}

export function createErasureTombstones(store: EventStore, options: ErasureTombstonesOptions = {}): ErasureTombstones {
  const fullReadEveryMs = options.fullReadEveryMs ?? FULL_READ_EVERY_MS;
  let fullReadAt = Number.NEGATIVE_INFINITY;
  const snapshot: TableSnapshot<Map<string, number>> = new TableSnapshot(
    async () => {
      const full = Date.now() - fullReadAt > fullReadEveryMs;
      const started = Date.now();
      const rows = await store.query<{ site: string; pid: string; at: string }>(full ? ALL_SQL : RECENT_SQL);
      // Between full reads the copy only grows (one read at a time, so adding in place is safe).
      const map = full ? new Map<string, number>() : snapshot.value;
      for (const r of rows) {
        const k = key(r.site, r.pid);
        map.set(k, Math.max(Number(r.at), map.get(k) ?? 0));
      }
      if (full) fullReadAt = started;
      return map;
    },
    new Map<string, number>(),
    // NOTE: another instance's erasure reaches this one's collector within this time; the eraser also
    // deletes again after it (subjectData.ts), so a hit in flight meanwhile does not outlive the erasure.
    // The embedded engine lives in this one process (its data directory is locked), so every erasure since
    // the first read is made here and kept in `local`: no re-read, and a hit never waits for one behind
    // an erasure's DELETE holding the engine.
    { refreshMs: options.refreshMs ?? (store.mode === 'embedded' ? Number.POSITIVE_INFINITY : 1_000) },
  );
  const local = new Map<string, number>();
  return {
    ready: snapshot.reload().then(
      () => {},
      () => {},
    ),
    erasedAt(site, pid) {
      const k = key(site, pid);
      const latest = (copy: Map<string, number>) => {
        const stored = copy.get(k);
        const own = local.get(k);
        return stored === undefined ? own : own === undefined ? stored : Math.max(stored, own);
      };
      const copy = snapshot.peek();
      // A collector keeps accepting (into its spool) while ClickHouse is down: the copy in hand serves.
      return copy !== undefined ? latest(copy) : snapshot.fresh().catch(() => snapshot.value).then(latest);
    },
    add(site, pid, at) {
      const k = key(site, pid);
      local.set(k, Math.max(at, local.get(k) ?? 0));
    },
  };
}
