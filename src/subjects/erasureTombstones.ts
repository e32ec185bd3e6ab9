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
  /**
   * Told of each tombstone a re-read of `erasures` brings that the copy did not hold (new, or later than
   * the one held): another instance's erasure, or this one's own as read back. Not told of `add`: the
   * eraser forgets what it must itself (subjectData.ts). A collector's in-process visit state listens.
   * While someone listens the copy is re-read every `refreshMs` even without hits (they re-read it too).
   */
  onErased(listener: (site: string, pid: string, erasedAtMs: number) => void): void;
  /** Stops the re-reads for listeners. */
  close(): void;
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
  const listeners: Array<(site: string, pid: string, erasedAtMs: number) => void> = [];
  const fullReadEveryMs = options.fullReadEveryMs ?? FULL_READ_EVERY_MS;
  let fullReadAt = Number.NEGATIVE_INFINITY;
  const refreshMs = options.refreshMs ?? (store.mode === 'embedded' ? Number.POSITIVE_INFINITY : 1_000);
  const snapshot: TableSnapshot<Map<string, number>> = new TableSnapshot(
    async () => {
      const full = Date.now() - fullReadAt > fullReadEveryMs;
      const started = Date.now();
      const rows = await store.query<{ site: string; pid: string; at: string }>(full ? ALL_SQL : RECENT_SQL);
      // Between full reads the copy only grows (one read at a time, so adding in place is safe).
      const before = snapshot.value;
      const map = full ? new Map<string, number>() : before;
      const learned: Array<{ site: string; pid: string; at: number }> = [];
      for (const r of rows) {
        const k = key(r.site, r.pid);
        const at = Number(r.at);
        const had = before.get(k);
        if (listeners.length > 0 && (had === undefined || at > had)) learned.push({ site: r.site, pid: r.pid, at });
        map.set(k, Math.max(at, map.get(k) ?? 0));
      }
      if (full) fullReadAt = started;
      for (const l of learned) {
        for (const listener of listeners) {
          try {
            listener(l.site, l.pid, l.at);
          } catch {
            // A listener's failure must not stop the copy from being kept; the listener reports its own.
          }
        }
      }
      return map;
    },
    new Map<string, number>(),
    // NOTE: another instance's erasure reaches this one's collector within this time; the eraser also
    // deletes again after it (subjectData.ts), so a hit in flight meanwhile does not outlive the erasure.
    // The embedded engine lives in this one process (its data directory is locked), so every erasure since
    // the first read is made here and kept in `local`: no re-read, and a hit never waits for one behind
    // an erasure's DELETE holding the engine.
    { refreshMs },
  );
  const local = new Map<string, number>();
  let timer: ReturnType<typeof setInterval> | undefined;
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
    onErased(listener) {
      listeners.push(listener);
      // An idle collector would otherwise learn another instance's erasure only with its next hit. peek()
      // re-reads (in the background, one read at a time) once the copy is half refreshMs old.
      if (timer === undefined && Number.isFinite(refreshMs)) {
        timer = setInterval(() => snapshot.peek(), refreshMs);
        timer.unref();
      }
    },
    close() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
