-- Current consent per (site, pid): one flag per purpose (bit 1 statistics, 2 personalization,
-- 4 advertising, 8 third-party transfer). The newest row wins; every read path checks it.
CREATE TABLE IF NOT EXISTS consents (
  site LowCardinality(String),
  pid UInt64,
  key_version UInt8,
  flags UInt8,
  source LowCardinality(String),
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (site, pid)
SETTINGS non_replicated_deduplication_window = 10000;

-- The consent a hit gets when it carries none (statistics only unless configured otherwise).
ALTER TABLE sites ADD COLUMN IF NOT EXISTS default_consent UInt8 DEFAULT 1;
