// A ClickHouse table fed through its own durable spool: the spool, its delivery and its readiness check.
import path from 'node:path';
import type { Config } from '../config/config.ts';
import type { Dependency } from '../http/healthRoutes.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { EventStore } from '../store/eventStore.ts';
import { Spool, type ClosedSegment } from './spool.ts';
import { startSpoolDeliverer, type SpoolDeliverer } from './spoolDeliverer.ts';

const DISK_FAULT_SHOWN_MS = 30_000;

/** Every table written through a spool (each has its directory under data/spool/). */
export const SPOOLED_TABLES = ['events', 'visits', 'visit_aliases', 'consents', 'consent_log', 'audit_log', 'import_batches'] as const;
export type SpooledTableName = (typeof SPOOLED_TABLES)[number];

export interface SpooledTable {
  readonly spool: Spool;
  readonly deliverer: SpoolDeliverer;
  /** Not critical: a spooling collector is degraded, not unready. */
  readonly dependency: Dependency;
}

export interface SpooledTableDeps {
  config: Pick<Config, 'dataDir' | 'spoolMaxBytes' | 'flushIntervalMs'>;
  store: EventStore;
  log: Logger;
  metrics: Metrics;
}

/** One spool per table: each segment is one insert into one table, with one dedup token. */
export async function openSpooledTable(table: SpooledTableName, deps: SpooledTableDeps, onDelivered?: (segment: ClosedSegment) => Promise<void> | void): Promise<SpooledTable> {
  const { config, store, log, metrics } = deps;
  const spool = await Spool.open({ dir: path.join(config.dataDir, 'spool', table), maxBytes: config.spoolMaxBytes });
  if (spool.pendingSegments > 0) log.info({ table, segments: spool.pendingSegments, bytes: spool.pendingBytes }, 'replaying the spool left by the last run');
  const deliverer = startSpoolDeliverer(spool, store, { table, flushIntervalMs: config.flushIntervalMs, onDelivered }, log, metrics);
  return {
    spool,
    deliverer,
    dependency: {
      name: `spool:${table}`,
      detail: 'local disk',
      critical: false,
      async check() {
        if (deliverer.degraded) throw new Error(`degraded: ${spool.pendingBytes} bytes waiting for ClickHouse`);
        const fault = deliverer.diskFaultAt;
        // The collector answers 503 while its disk refuses writes; /readyz says so for a while after the last one.
        if (fault !== undefined && Date.now() - fault < DISK_FAULT_SHOWN_MS) throw new Error(`degraded: the spool disk refused a write ${Math.round((Date.now() - fault) / 1000)} s ago (full, over quota or failing)`);
      },
    },
  };
}
