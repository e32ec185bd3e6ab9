// Metrics touched on every request of the hot paths (thousands a second). prom-client validates and
// hashes the label values on every inc() and observe(), even on a labels() child; these keep plain
// numbers per label set instead and hand them to the registry only when /metrics is read.
import { Counter, type Registry } from 'prom-client';

export interface Tally {
  inc(n?: number): void;
}

/**
 * A prom-client Counter whose hot children count in plain numbers; what they counted is added to the
 * counter when the registry is read (its `collect` hook), so /metrics is exact at every scrape. The
 * same label values give the same child: callers with bounded label sets may ask on every call.
 */
export function tallyCounter<L extends string>(config: { name: string; help: string; labelNames: readonly L[]; registry: Registry }): {
  child(labels: Record<L, string>): Tally;
} {
  // One child per label set, however often it is asked for; `n` is what it counted since the last scrape.
  const children = new Map<string, { labels: Record<L, string>; n: number; tally: Tally }>();
  const counter: Counter<L> = new Counter<L>({
    name: config.name,
    help: config.help,
    labelNames: config.labelNames,
    registers: [config.registry],
    collect() {
      for (const c of children.values()) {
        if (c.n === 0) continue;
        counter.inc(c.labels, c.n);
        c.n = 0;
      }
    },
  });
  return {
    child(labels) {
      const key = config.labelNames.length === 1 ? labels[config.labelNames[0]!] : config.labelNames.map((n) => labels[n]).join('\0');
      const known = children.get(key);
      if (known !== undefined) return known.tally;
      const c = { labels, n: 0, tally: { inc: (n = 1) => void (c.n += n) } };
      children.set(key, c);
      counter.inc(labels, 0); // present (at 0) from the start, as a labels() child would be
      return c.tally;
    },
  };
}

export interface RequestMetrics {
  /** One finished HTTP request: its route label, status and duration in seconds. */
  record(route: string, status: number, seconds: number): void;
}

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

/**
 * `calypso_http_requests_total{route,status}` and `calypso_http_request_duration_seconds{route}`, kept
 * in arrays per route and written out in the registry's exposition format when it is read.
 */
export function createRequestMetrics(registry: Registry): RequestMetrics {
  const byRoute = new Map<string, { statuses: Map<number, number>; buckets: Float64Array; sum: number; count: number }>();
  const durationName = 'calypso_http_request_duration_seconds';
  const countName = 'calypso_http_requests_total';
  registry.registerMetric({
    name: countName,
    get: async () => ({
      name: countName,
      help: 'HTTP requests by route and status',
      type: 'counter',
      aggregator: 'sum',
      values: [...byRoute].flatMap(([route, r]) => [...r.statuses].map(([status, value]) => ({ labels: { route, status: String(status) }, value }))),
    }),
    reset: () => byRoute.clear(),
  } as unknown as Parameters<Registry['registerMetric']>[0]);
  registry.registerMetric({
    name: durationName,
    get: async () => ({
      name: durationName,
      help: 'HTTP request duration by route',
      type: 'histogram',
      aggregator: 'sum',
      values: [...byRoute].flatMap(([route, r]) => {
        let cumulative = 0;
        const buckets = DURATION_BUCKETS.map((le, i) => ({ metricName: `${durationName}_bucket`, labels: { route, le }, value: (cumulative += r.buckets[i] ?? 0) }));
        return [
          ...buckets,
          { metricName: `${durationName}_bucket`, labels: { route, le: '+Inf' }, value: r.count },
          { metricName: `${durationName}_sum`, labels: { route }, value: r.sum },
          { metricName: `${durationName}_count`, labels: { route }, value: r.count },
        ];
      }),
    }),
    reset: () => byRoute.clear(),
  } as unknown as Parameters<Registry['registerMetric']>[0]);

  return {
    record(route, status, seconds) {
      let r = byRoute.get(route);
      if (r === undefined) byRoute.set(route, (r = { statuses: new Map(), buckets: new Float64Array(DURATION_BUCKETS.length), sum: 0, count: 0 }));
      r.statuses.set(status, (r.statuses.get(status) ?? 0) + 1);
      r.sum += seconds;
      r.count++;
      for (let i = 0; i < DURATION_BUCKETS.length; i++) {
        if (seconds <= DURATION_BUCKETS[i]!) {
          r.buckets[i] = (r.buckets[i] ?? 0) + 1;
          break;
        }
      }
    },
  };
}
