-- Targeting segments (policy 2.2.4). Every definition change is a new row with the next `version`;
-- the newest row of an id is the definition, the older ones are its history. `deleted` ends an id.
CREATE TABLE IF NOT EXISTS segments (
  id String,
  site LowCardinality(String),
  name String,
  rule String,
  version UInt32,
  refresh_every_minutes UInt32,
  deleted UInt8,
  changed_at DateTime64(3, 'UTC')
) ENGINE = MergeTree
ORDER BY (id, version)
SETTINGS non_replicated_deduplication_window = 1000;

-- What is live for each segment: the materialised version look-ups read, its size and when it was made.
-- Written only by the holder of the refresh lock (`fence` is its token). The row with the newest live
-- version wins, so a holder that stalled and writes late cannot roll the state back to an older version;
-- among rows of one version (a failed refresh after a success) the last written wins.
CREATE TABLE IF NOT EXISTS segment_state (
  id String,
  site LowCardinality(String),
  live_version UInt64,
  size UInt64,
  definition_version UInt32,
  refreshed_at DateTime64(3, 'UTC'),
  status LowCardinality(String),
  error String,
  fence UInt64,
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(live_version)
ORDER BY id;

-- Members of one materialised version of a segment: pseudonyms only, and only those whose consent
-- allowed advertising when the version was built. Old versions are deleted after the switch; the TTL
-- catches any a crashed worker left behind.
CREATE TABLE IF NOT EXISTS segment_members (
  site LowCardinality(String),
  segment_id String,
  version UInt64,
  pid UInt64,
  created_at DateTime('UTC')
) ENGINE = MergeTree
ORDER BY (site, pid, segment_id, version)
TTL created_at + toIntervalDay(7);

-- What an operation did that a privacy officer must see (policy 3.3, 4.1): a transfer and its
-- recipient (segment export), an erasure's reason, a legal hand-over's basis.
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS detail String DEFAULT '';
