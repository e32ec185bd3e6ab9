// Erasure tombstones as the collector reads them: (site, pid) → when it was erased. A hit for an erased
// pid stamped before that time is dropped (it was in flight, or is an old import). An in-memory copy of
// `erasures`, re-read in the background every `refreshMs`; the erasing instance's own tombstones are
// kept beside it, so a re-read that does not hold them yet cannot drop them.
import type { EventStore } from '../store/eventStore.ts';
import { TableSnapshot } from '../store/tableSnapshot.ts';

export interface ErasureTombstones {
  /** When the pid was last erased on the site (ms), or undefined. */
  erasedAt(site: string, pid: string): Promise<number | undefined>;
  add(site: string, pid: string, erasedAtMs: number): void;
  /** The first read of `erasures`; resolves (without throwing) once it has been tried. */
  readonly ready: Promise<void>;
}

const key = (site: string, pid: string) => `${site}\0${pid}`;

export function createErasureTombstones(store: EventStore, options: { refreshMs?: number } = {}): ErasureTombstones {
  const snapshot = new TableSnapshot(
    async () => {
      const rows = await store.query<{ site: string; pid: string; at: string }>(
        'SELECT site, toString(pid) AS pid, toUnixTimestamp64Milli(max(erased_at)) AS at FROM erasures GROUP BY site, pid',
      );
      return new Map(rows.map((r) => [key(r.site, r.pid), Number(r.at)]));
    },
    new Map<string, number>(),
    // NOTE: another instance's erasure reaches this one's collector within this time; the eraser also
    // deletes again after it (subjectData.ts), so a hit in flight meanwhile does not outlive the erasure.
    { refreshMs: options.refreshMs ?? 1_000 },
  );
  const local = new Map<string, number>();
  return {
    ready: snapshot.reload().then(
      () => {},
      () => {},
    ),
    async erasedAt(site, pid) {
      // A collector keeps accepting (into its spool) while ClickHouse is down: the copy in hand serves.
      const stored = (await snapshot.fresh().catch(() => snapshot.value)).get(key(site, pid));
      const own = local.get(key(site, pid));
      return stored === undefined ? own : own === undefined ? stored : Math.max(stored, own);
    },
    add(site, pid, at) {
      const k = key(site, pid);
      local.set(k, Math.max(at, local.get(k) ?? 0));
    },
  };
}
