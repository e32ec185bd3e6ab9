// The bench's visits (docs/visits.md): the generator writes hits only, with no visit (visit_id 0, as an
// installation from before visits were formed at ingest), so they are formed here by the product's own
// upgrade step (src/visits/backfillVisits.ts: the collector's rule by window functions in ClickHouse).
import { createLogger } from '../src/observability/logger.ts';
import type { EventStore } from '../src/store/eventStore.ts';
import { backfillVisits } from '../src/visits/backfillVisits.ts';

/** Forms the visits of the generated events (every site's events without one). */
export async function deriveBenchVisits(store: EventStore): Promise<void> {
  const t = performance.now();
  await backfillVisits(store, createLogger({ logLevel: 'warn' }));
  process.stderr.write(`visits formed in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
}
