-- The import batches already stored (`calypso import` sends each batch with an id made of its content):
-- a batch sent again, as a retry or a re-run of the same file, is answered with the result kept here
-- instead of being stored twice. Written through a spool of its own together with the batch's events,
-- so a batch is remembered exactly when its events are kept. No personal data; kept a year.
CREATE TABLE IF NOT EXISTS import_batches (
  id String,
  result String,
  created_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(created_at)
ORDER BY id
TTL toDateTime(created_at) + toIntervalDay(365)
SETTINGS non_replicated_deduplication_window = 10000;
