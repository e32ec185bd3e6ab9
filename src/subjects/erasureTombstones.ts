// Erasure tombstones as the collector reads them: (site, pid) → when it was erased. A hit for an erased
// pid stamped before that time is dropped (it was in flight, or is an old import). An in-memory copy of
// `erasures`, re-read every `refreshMs`; the erasing instance adds its tombstone at once.
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
  const refreshMs = options.refreshMs ?? 1_000;
  let readAt = Date.now();
  return {
    ready: snapshot.reload().then(
      () => {},
      () => {},
    ),
    async erasedAt(site, pid) {
      // NOTE: on the hit path nothing waits for ClickHouse: the copy is re-read in the background, so a
      // collector keeps accepting (into its spool) while ClickHouse is down.
      if (Date.now() - readAt > refreshMs) {
        readAt = Date.now();
        snapshot.reload().catch(() => {});
      }
      const map = snapshot.value;
      return map.size === 0 ? undefined : map.get(key(site, pid));
    },
    add(site, pid, at) {
      const k = key(site, pid);
      snapshot.value.set(k, Math.max(at, snapshot.value.get(k) ?? 0));
    },
  };
}
