-- Every consent change, with the flags before and after and where it came from: the proof of consent
-- 152-FZ art. 9 asks for (policy 3.4). Kept CALYPSO_AUDIT_RETENTION_DAYS, copied into each row.
CREATE TABLE IF NOT EXISTS consent_log (
  site LowCardinality(String),
  pid UInt64,
  key_version UInt8,
  flags_before Nullable(UInt8),
  flags_after UInt8,
  source LowCardinality(String),
  changed_at DateTime64(3, 'UTC'),
  retention_days UInt16
) ENGINE = MergeTree
PARTITION BY toYYYYMM(changed_at)
ORDER BY (site, pid, changed_at)
TTL toDateTime(changed_at) + toIntervalDay(retention_days)
SETTINGS non_replicated_deduplication_window = 10000;

-- Erasure tombstones (policy 4.1): a hit for an erased pid stamped before its erasure is dropped when
-- it arrives late (or is imported). Kept 3 660 days, past the longest a site may keep events (3 650).
CREATE TABLE IF NOT EXISTS erasures (
  id String,
  site LowCardinality(String),
  pid UInt64,
  erased_at DateTime64(3, 'UTC'),
  reason String,
  events_erased UInt64,
  held_until DateTime64(3, 'UTC')
) ENGINE = MergeTree
ORDER BY (site, pid)
TTL toDateTime(erased_at) + toIntervalDay(3660);

-- What an erasure copied aside for a legal period (policy 4.2): each erased row as JSON, by kind.
-- Readable only through legalHold under LEGAL_OBLIGATION; expires by itself.
CREATE TABLE IF NOT EXISTS legal_hold (
  erasure_id String,
  site LowCardinality(String),
  pid UInt64,
  kind LowCardinality(String),
  row String,
  held_at DateTime64(3, 'UTC'),
  held_until DateTime64(3, 'UTC')
) ENGINE = MergeTree
ORDER BY (site, pid, held_at)
TTL toDateTime(held_until);

-- The audit log and the current consents keep CALYPSO_AUDIT_RETENTION_DAYS, copied into each row.
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS retention_days UInt16 DEFAULT 1096;

ALTER TABLE audit_log MODIFY TTL toDateTime(ts) + toIntervalDay(retention_days);

ALTER TABLE consents ADD COLUMN IF NOT EXISTS retention_days UInt16 DEFAULT 1096;

ALTER TABLE consents MODIFY TTL toDateTime(updated_at) + toIntervalDay(retention_days);
