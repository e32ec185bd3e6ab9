// /readyz tells a busy engine from a dead one: a long statement holding the embedded engine (an
// erasure's DELETE) makes the 2-s ping time out, which is "busy" (200 degraded), not 503.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readinessRoute, type Dependency } from '../../src/http/healthRoutes.ts';
import { startTestService, type TestService } from '../support/testService.ts';

type Ready = { status: string; checks: Record<string, { ok: boolean; busy?: boolean; error?: string }> };

describe('readiness of a busy embedded engine', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('answers 200 degraded with the engine busy while a statement outlasts the ping, then ready', async () => {
    // 8 blocks of half a second: the engine is held for 4 s, twice the readiness ping's bound.
    const long = svc.store.query('SELECT sleepEachRow(0.5) FROM numbers(8) SETTINGS max_block_size = 1');
    const res = await fetch(`${svc.url}/readyz`);
    const body = (await res.json()) as Ready;
    expect(res.status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.checks.clickhouse).toMatchObject({ ok: false, busy: true });
    expect(body.checks.clickhouse?.error).toMatch(/^busy: a request has been running for \d+ s$/);
    await long;
    const after = await fetch(`${svc.url}/readyz`);
    expect(after.status).toBe(200);
    expect(((await after.json()) as Ready).status).toBe('ready');
  });
});

describe('readiness of a dead dependency', () => {
  // A dependency that never answers its check; what it did before is set per case.
  let activity: ReturnType<NonNullable<Dependency['activity']>> = { lastAnswerAt: 0, oldestRunningSince: undefined };
  let fails = false;
  const dep: Dependency = {
    name: 'engine',
    detail: 'test',
    critical: true,
    check: () => (fails ? Promise.reject(new Error('connection refused')) : new Promise(() => undefined)),
    activity: () => activity,
  };
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    const route = readinessRoute([dep], () => false, { timeoutMs: 50 });
    server = http.createServer((req, res) => void route(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });
  const ready = async () => {
    const res = await fetch(url);
    return { status: res.status, body: (await res.json()) as Ready };
  };

  it('is 503 when the check times out and nothing says the dependency is alive', async () => {
    activity = { lastAnswerAt: Date.now() - 60_000, oldestRunningSince: undefined };
    expect(await ready()).toMatchObject({ status: 503, body: { status: 'unavailable', checks: { engine: { ok: false, error: 'no answer within 50 ms' } } } });
  });

  it('is 503 when a statement has been running for longer than any operation should (hung)', async () => {
    activity = { lastAnswerAt: 0, oldestRunningSince: Date.now() - 60 * 60_000 };
    expect((await ready()).status).toBe(503);
  });

  it('is busy (200 degraded) when the dependency answered another request a moment ago', async () => {
    activity = { lastAnswerAt: Date.now(), oldestRunningSince: undefined };
    expect(await ready()).toMatchObject({ status: 200, body: { status: 'degraded', checks: { engine: { ok: false, busy: true } } } });
  });

  it('is 503 when the check fails outright, however recent the last answer', async () => {
    fails = true;
    activity = { lastAnswerAt: Date.now(), oldestRunningSince: Date.now() };
    expect(await ready()).toMatchObject({ status: 503, body: { checks: { engine: { ok: false, error: 'unavailable' } } } });
  });
});
