// At start, the visit state store learns the visits written in its memory span from ClickHouse, so a
// visitor in the middle of a visit when the process stopped continues it (docs/visits.md).
import type { EventStore } from '../store/eventStore.ts';
import type { VisitState } from './placeHit.ts';
import { normaliseStoredVisit, visitorKey, type VisitRow } from './visitRow.ts';
import type { VisitStateStore } from './visitStateStore.ts';

/**
 * Loads the live visits that ended within `spanMs` (plus the future a hit's time may claim) and marks the
 * store complete from `now - spanMs`. Call once the visits spool holds nothing older undelivered.
 */
export async function warmVisitState(store: EventStore, state: VisitStateStore, spanMs: number, slackMs: number, now = Date.now()): Promise<number> {
  const rows = await store.query<VisitRow>('SELECT * FROM visits FINAL WHERE end >= fromUnixTimestamp64Milli({from:Int64}, \'UTC\')', { from: now - spanMs - slackMs });
  const by = new Map<string, { site: string; key: string; visits: VisitState[] }>();
  for (const r of rows.map(normaliseStoredVisit)) {
    const key = visitorKey({ pid: r.pid, visitor_hash: r.visitor_hash, ts: r.start });
    const id = `${r.site}\u0000${key}`;
    const e = by.get(id) ?? { site: r.site, key, visits: [] };
    e.visits.push({ row: r, absorbed: [] });
    by.set(id, e);
  }
  await state.load([...by.values()], now - spanMs);
  return rows.length;
}
