-- Sites: the counter accepts hits only for a registered site's host names.
CREATE TABLE IF NOT EXISTS sites (
  id String,
  name String,
  hostnames Array(String),
  timezone String,
  k_anonymity UInt16,
  retention_days UInt16,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id;

-- API keys: only the SHA-256 of the secret is stored. A revocation is a newer row for the same id.
CREATE TABLE IF NOT EXISTS api_keys (
  id String,
  name String,
  secret_sha256 FixedString(64),
  purposes Array(LowCardinality(String)),
  sites Array(String),
  created_at DateTime64(3, 'UTC'),
  revoked_at Nullable(DateTime64(3, 'UTC')),
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id;

-- One row per hit, already pseudonymised: no raw cookie id, IP or user agent ever reaches this table.
-- retention_days is copied from the site at ingest so that the row TTL follows the site's policy.
CREATE TABLE IF NOT EXISTS events (
  site LowCardinality(String),
  ts DateTime64(3, 'UTC'),
  event_id String,
  pid UInt64,
  key_version UInt8,
  visitor_hash UInt64,
  type Enum8('pageview' = 1, 'event' = 2, 'engagement' = 3),
  name LowCardinality(String),
  host LowCardinality(String),
  path String,
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
  is_bot UInt8,
  consent UInt8,
  engagement_ms UInt32,
  props Map(String, String),
  retention_days UInt16
) ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (site, toDate(ts), pid, ts)
TTL toDateTime(ts) + toIntervalDay(retention_days)
SETTINGS non_replicated_deduplication_window = 10000;

-- Every GraphQL operation, allowed or denied.
CREATE TABLE IF NOT EXISTS audit_log (
  ts DateTime64(3, 'UTC'),
  key_id String,
  purpose LowCardinality(String),
  operation String,
  fields Array(String),
  sites Array(String),
  outcome LowCardinality(String),
  code LowCardinality(String),
  rows UInt32,
  duration_ms UInt32
) ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY ts
TTL toDateTime(ts) + toIntervalDay(1096);
