// Prometheus metrics, one registry per service instance (tests run several in one process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createRequestMetrics, tallyCounter, type RequestMetrics, type Tally } from './hotMetrics.ts';
import { droppedLogLines } from './logger.ts';

export interface Metrics {
  readonly registry: Registry;
  /** calypso_http_requests_total and calypso_http_request_duration_seconds. */
  readonly http: RequestMetrics;
  readonly eventsAccepted: { child(labels: { site: string }): Tally };
  readonly eventsRejected: Counter<'reason'>;
  readonly eventsReceived: Tally;
  /** Rows delivered from a spool into ClickHouse, by table (events, consents, consent_log, audit_log, import_batches). */
  readonly rowsWritten: Counter<'table'>;
  readonly spoolBytes: Gauge<'table'>;
  readonly spoolDamagedRecords: Counter;
  readonly spoolFailedRecords: Counter;
  /** Whole segments and single records in a spool's failed/, acknowledged and not delivered. */
  readonly spoolSetAsideSegments: Gauge<'table'>;
  readonly spoolSetAsideRecords: Gauge<'table'>;
  readonly spoolDiskErrors: Counter<'table' | 'code'>;
  readonly spoolLostSegments: Counter<'table'>;
  readonly flushSeconds: Histogram;
  readonly clickhouseErrors: Counter<'retryable'>;
  readonly graphqlOperations: { child(labels: { outcome: string; purpose: string }): Tally };
  readonly graphqlPath: { child(labels: { path: 'prepared' | 'kept' | 'apollo' }): Tally };
  readonly statsCache: Counter<'result'>;
  readonly segmentLookups: { child(labels: { source: 'index' | 'clickhouse' }): Tally };
  readonly segmentRefreshes: Counter<'outcome'>;
  /** Visitors whose stored visits the collector asked ClickHouse for, by whether the query answered. */
  readonly visitLookups: { child(labels: { result: 'ok' | 'failed' }): Tally };
  readonly segmentRefreshSeconds: Histogram;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  // prom-client's names already start with process_ or nodejs_: calypso_process_cpu_seconds_total.
  collectDefaultMetrics({ register: registry, prefix: 'calypso_' });
  // These three are gauges named *_total, which Prometheus reserves for counters (promtool refuses
  // them); each is the sum over the `type` label of its namesake without the suffix, which stays.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(`calypso_${name}`);
  let droppedSeen = 0;
  new Counter({
    name: 'calypso_log_lines_dropped_total',
    help: 'Log lines dropped because stdout was not read fast enough',
    registers: [registry],
    collect() {
      const now = droppedLogLines();
      this.inc(now - droppedSeen);
      droppedSeen = now;
    },
  });
  return {
    registry,
    http: createRequestMetrics(registry),
    eventsAccepted: tallyCounter({ name: 'calypso_events_accepted_total', help: 'Events accepted by the collector', labelNames: ['site'], registry }),
    eventsRejected: new Counter({ name: 'calypso_events_refused_total', help: 'Events refused by the collector, by reason', labelNames: ['reason'], registers: [registry] }),
    eventsReceived: tallyCounter({ name: 'calypso_events_received_total', help: 'Events received by the collector, valid or not', labelNames: [], registry }).child({}),
    rowsWritten: new Counter({ name: 'calypso_rows_written_total', help: 'Rows written to ClickHouse from a spool, by table', labelNames: ['table'], registers: [registry] }),
    spoolBytes: new Gauge({ name: 'calypso_spool_bytes', help: 'Bytes in a spool not yet in ClickHouse, by table', labelNames: ['table'], registers: [registry] }),
    spoolDamagedRecords: new Counter({ name: 'calypso_spool_damaged_records_total', help: 'Damaged spool records set aside', registers: [registry] }),
    spoolFailedRecords: new Counter({ name: 'calypso_spool_failed_records_total', help: 'Spool records ClickHouse refused, set aside', registers: [registry] }),
    spoolSetAsideSegments: new Gauge({
      name: 'calypso_spool_set_aside_segments',
      help: 'Acknowledged spool segments set aside in failed/ and not delivered, by table (calypso spool redeliver)',
      labelNames: ['table'],
      registers: [registry],
    }),
    spoolSetAsideRecords: new Gauge({
      name: 'calypso_spool_set_aside_records',
      help: 'Spool records ClickHouse refused, kept in failed/ and not delivered, by table (calypso spool redeliver)',
      labelNames: ['table'],
      registers: [registry],
    }),
    spoolDiskErrors: new Counter({ name: 'calypso_spool_disk_errors_total', help: 'Spool writes the disk refused (answered 503), by table and errno', labelNames: ['table', 'code'], registers: [registry] }),
    spoolLostSegments: new Counter({ name: 'calypso_spool_lost_segments_total', help: 'Spool segments that vanished from disk before delivery, by table', labelNames: ['table'], registers: [registry] }),
    flushSeconds: new Histogram({
      name: 'calypso_flush_duration_seconds',
      help: 'Time to write one spool segment to ClickHouse',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    clickhouseErrors: new Counter({ name: 'calypso_clickhouse_errors_total', help: 'Failed ClickHouse writes, by retryability', labelNames: ['retryable'], registers: [registry] }),
    statsCache: new Counter({ name: 'calypso_stats_cache_requests_total', help: 'Statistics answers from the cache (hit) or ClickHouse (miss)', labelNames: ['result'], registers: [registry] }),
    segmentLookups: tallyCounter({
      name: 'calypso_segment_lookups_total',
      help: 'Segment look-ups by source: index (Redis or memory) or clickhouse (degraded, index unavailable)',
      labelNames: ['source'],
      registry,
    }),
    visitLookups: tallyCounter({
      name: 'calypso_visit_lookups_total',
      help: 'Visitors whose stored visits the collector read from ClickHouse (the visit state could not vouch for them), by result: ok or failed',
      labelNames: ['result'],
      registry,
    }),
    segmentRefreshes: new Counter({ name: 'calypso_segment_refreshes_total', help: 'Segment refreshes by outcome', labelNames: ['outcome'], registers: [registry] }),
    segmentRefreshSeconds: new Histogram({
      name: 'calypso_segment_refresh_duration_seconds',
      help: 'Time to materialise one segment version and switch to it',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    graphqlPath: tallyCounter({
      name: 'calypso_graphql_requests_by_path_total',
      help: 'GraphQL requests answered by the prepared-query path, by it with a kept statistics answer (kept), or by Apollo',
      labelNames: ['path'],
      registry,
    }),
    graphqlOperations: tallyCounter({ name: 'calypso_graphql_operations_total', help: 'GraphQL operations by outcome and purpose', labelNames: ['outcome', 'purpose'], registry }),
  };
}
