import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRequestMetrics, tallyCounter } from '../../src/observability/hotMetrics.ts';

const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('tallyCounter', () => {
  it('shows a child at 0 from the start, then exactly what was counted, at every scrape', async () => {
    const registry = new Registry();
    const t = tallyCounter({ name: 'x_total', help: 'x', labelNames: ['source'], registry });
    const a = t.child({ source: 'a' });
    const b = t.child({ source: 'b' });
    expect(value(await registry.metrics(), 'x_total{source="a"}')).toBe(0);
    a.inc();
    a.inc(4);
    expect(value(await registry.metrics(), 'x_total{source="a"}')).toBe(5);
    // A second scrape adds nothing twice.
    expect(value(await registry.metrics(), 'x_total{source="a"}')).toBe(5);
    b.inc(2);
    a.inc();
    t.child({ source: 'a' }).inc(); // asked for again: the same child
    const text = await registry.metrics();
    expect(value(text, 'x_total{source="a"}')).toBe(7);
    expect(value(text, 'x_total{source="b"}')).toBe(2);
  });
});

describe('createRequestMetrics', () => {
  it('writes requests by route and status, and a cumulative duration histogram per route', async () => {
    const registry = new Registry();
    const m = createRequestMetrics(registry);
    m.record('/graphql', 200, 0.0005);
    m.record('/graphql', 200, 0.004);
    m.record('/graphql', 400, 0.2);
    m.record('/collect', 202, 7); // past the last bucket: only +Inf
    const text = await registry.metrics();
    expect(text).toMatch(/^# TYPE calypso_http_requests_total counter$/m);
    expect(text).toMatch(/^# TYPE calypso_http_request_duration_seconds histogram$/m);
    expect(value(text, 'calypso_http_requests_total{route="/graphql",status="200"}')).toBe(2);
    expect(value(text, 'calypso_http_requests_total{route="/graphql",status="400"}')).toBe(1);
    expect(value(text, 'calypso_http_requests_total{route="/collect",status="202"}')).toBe(1);
    const bucket = (route: string, le: string) => value(text, `calypso_http_request_duration_seconds_bucket{route="${route}",le="${le}"}`);
    expect(bucket('/graphql', '0.001')).toBe(1);
    expect(bucket('/graphql', '0.005')).toBe(2);
    expect(bucket('/graphql', '0.1')).toBe(2);
    expect(bucket('/graphql', '0.25')).toBe(3);
    expect(bucket('/graphql', '+Inf')).toBe(3);
    expect(bucket('/collect', '2.5')).toBe(0);
    expect(bucket('/collect', '+Inf')).toBe(1);
    expect(value(text, 'calypso_http_request_duration_seconds_count{route="/graphql"}')).toBe(3);
    expect(value(text, 'calypso_http_request_duration_seconds_sum{route="/graphql"}')).toBeCloseTo(0.2045, 6);
  });

  it('is cleared by resetMetrics', async () => {
    const registry = new Registry();
    createRequestMetrics(registry).record('/x', 200, 0.01);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toMatch(/route="\/x"/);
  });
});
