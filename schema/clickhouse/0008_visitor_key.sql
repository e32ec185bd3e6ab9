-- The visitor of a hit, stored (docs/visits.md "Where a breakdown's time goes"): the statistics of the hits
-- (shape 1: the pages and events tabs, realtime) count distinct visitors of this one column instead of
-- computing `if(pid != 0, pid, cityHash64(toDate(ts), visitor_hash))` (VISITOR_KEY_SQL in
-- src/visits/visitRule.ts, the same expression) for every hit of the range.
-- MATERIALIZED: every insert computes it, whatever writes the row, and no insert names it (nor does
-- `SELECT *`). Derived data: erased with its row.
ALTER TABLE events ADD COLUMN IF NOT EXISTS visitor_key UInt64 MATERIALIZED if(pid != 0, pid, cityHash64(toDate(ts), visitor_hash));

-- Rows stored before this migration are given theirs now, before any query reads the column: ClickHouse
-- (26.7) could compute it on read for a part without it, but not in a query whose PREWHERE reads `ts`
-- (every statistics query: "Illegal column Decimal64 of first argument of function toDate"). Rewrites
-- this one column of every part (a second run writes the same values again); waits until done.
ALTER TABLE events MATERIALIZE COLUMN visitor_key SETTINGS mutations_sync = 2;
