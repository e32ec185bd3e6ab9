-- Visits, formed when their hits are collected (DESIGN.md "Visits"; docs/visits.md). Each hit names its
-- visit; the visit's facts are kept as rows of `visits`, one version per hit: the collector writes the new
-- version (+1) and cancels the one it replaces (-1, identical but for the sign). Sums weighted by `sign`
-- are right whether or not ClickHouse has merged the pairs yet. Derived data: erased with the events.
ALTER TABLE events ADD COLUMN IF NOT EXISTS visit_id UInt64 DEFAULT 0;

CREATE TABLE IF NOT EXISTS visits (
  site LowCardinality(String),
  visit_id UInt64,
  version UInt32,
  sign Int8,
  pid UInt64,
  visitor_hash UInt64,
  start DateTime64(3, 'UTC'),
  end DateTime64(3, 'UTC'),
  hits UInt32,
  pageviews UInt32,
  events UInt32,
  entry_page String,
  entry_ts DateTime64(3, 'UTC'),
  exit_page String,
  exit_ts DateTime64(3, 'UTC'),
  host LowCardinality(String),
  referrer_source LowCardinality(String),
  referrer_host LowCardinality(String),
  utm_source LowCardinality(String),
  utm_medium LowCardinality(String),
  utm_campaign LowCardinality(String),
  utm_term LowCardinality(String),
  utm_content LowCardinality(String),
  browser LowCardinality(String),
  os LowCardinality(String),
  device LowCardinality(String),
  screen LowCardinality(String),
  language LowCardinality(String),
  country LowCardinality(String),
  region LowCardinality(String),
  retention_days UInt16
) ENGINE = VersionedCollapsingMergeTree(sign, version)
PARTITION BY toYYYYMM(start)
ORDER BY (site, toDate(start), visit_id)
TTL toDateTime(start) + toIntervalDay(retention_days)
SETTINGS non_replicated_deduplication_window = 10000;

-- A late hit that bridges two visits joins them: the later one is cancelled and its hits, which keep its
-- id, are found through this table. Rare (only hits arriving out of order).
CREATE TABLE IF NOT EXISTS visit_aliases (
  site LowCardinality(String),
  visit_id UInt64,
  alias_of UInt64,
  pid UInt64,
  at DateTime64(3, 'UTC'),
  retention_days UInt16
) ENGINE = ReplacingMergeTree(at)
ORDER BY (site, visit_id)
TTL toDateTime(at) + toIntervalDay(retention_days)
SETTINGS non_replicated_deduplication_window = 10000;
