// A shorter retentionDays applies to the events already stored, not only to those collected from then on:
// the site promises to keep hits no longer than its retention (POLICY.md; README "What is stored"), and
// each row's TTL uses the retention_days it was stored with (0001_init.sql). A longer one applies to new
// hits only: what was collected under the shorter promise still goes when that promise said.
import type { EventStore } from '../store/eventStore.ts';

/**
 * Deletes the site's events older than `days` now and lowers the retention of the rest, so their TTL
 * ends them in time. Cached statistics over the deleted days are invalidated by the caller.
 * NOTE: hits already in a spool with the old retention (a flush interval's worth) keep it; their own
 * age puts them far inside the new retention unless imported with an old timestamp.
 */
export async function shortenRetention(store: EventStore, site: string, days: number): Promise<void> {
  await store.command('DELETE FROM events WHERE site = {site:String} AND ts < now64(3) - toIntervalDay({days:UInt16})', { site, days });
  // A mutation run in the background; ClickHouse recomputes the TTL of the parts it rewrites.
  await store.command('ALTER TABLE events UPDATE retention_days = {days:UInt16} WHERE site = {site:String} AND retention_days > {days:UInt16}', { site, days });
}
