-- The pages of a visit on its row (docs/visits.md "Visits of matching hits"): a `page` or `eventName`
-- filter on visit metrics tests the visit's own row instead of building the set of the range's matching
-- hits. `hit_paths[i]`, `hit_names[i]` is one distinct (path, event name) pair of the visit's hits, of
-- every type (a custom event's path too; a pageview's name is ''). `hit_pairs` says what the arrays hold:
-- 0 nothing known (rows written before this migration), 1 every hit's pair, 2 more pairs than the
-- collector keeps (VISIT_PAIRS_MAX, src/visits/visitPairs.ts: the arrays are then empty). Statistics test
-- the arrays only for rows at 1 and fall back to the visit's hits for the others, so answers stay exact.
ALTER TABLE visits
  ADD COLUMN IF NOT EXISTS hit_paths Array(String),
  ADD COLUMN IF NOT EXISTS hit_names Array(LowCardinality(String)),
  ADD COLUMN IF NOT EXISTS hit_pairs UInt8;

-- The statistics read the hits only for rows not answered by their pairs (`NOT (hit_pairs = 1 AND end <
-- range end)`): the earliest such visit's start bounds that read. This index lets finding it skip every
-- granule of complete visits that ended before the range's end (the usual case: 0 granules read).
ALTER TABLE visits ADD INDEX IF NOT EXISTS visits_pairs_known (hit_pairs, end) TYPE minmax GRANULARITY 1;
