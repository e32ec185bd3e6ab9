// Abuse without a key stays bounded: 1 000 unauthenticated requests (or with made-up keys) carrying 1 MB
// arguments, on /graphql and the REST routes, grow the data directory by less than 1 MB in all, and end
// in 429s with Retry-After. What each refused request left in the audit trail is cut to the documented
// lengths and summed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_VALUE_MAX } from '../../src/audit/auditBounds.ts';
import { ECHO_MAX } from '../../src/errors/apiError.ts';
import { eventually, startTestService, type TestService } from '../support/testService.ts';

const MB = 1_000_000;
const REQUESTS = 1_000;

function sizeOf(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += sizeOf(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

describe('a flood of unauthenticated requests with 1 MB arguments', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
    const made = await svc.gql(svc.adminKey, 'ADMINISTRATION', 'mutation { createSite(id: "flood", name: "flood", hostnames: ["flood.example"]) { id } }');
    expect(made.errors).toBeUndefined();
  });
  afterAll(() => svc?.stop());

  it('grows the data directory by less than 1 MB and ends in 429 RATE_LIMITED with Retry-After', async () => {
    await svc.flush();
    const before = sizeOf(svc.dataDir);
    const big = `z${'x'.repeat(MB - 1)}`;
    const send = (i: number): Promise<Response> => {
      const auth: Record<string, string> = i % 2 === 0 ? {} : { authorization: 'Bearer cly_made-up-key' };
      const headers = { ...auth, 'x-calypso-purpose': `P${big.slice(0, 1000)}`, 'content-type': 'application/json' };
      switch (i % 4) {
        case 0:
        case 1:
          return fetch(`${svc.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: 'query Q($s: ID!) { stats(site: $s, from: "2026-11-01", to: "2026-11-02") { totals { pageviews } } }', variables: { s: big }, operationName: 'Q' }) });
        case 2:
          return fetch(`${svc.url}/v1/segments`, { method: 'POST', headers, body: JSON.stringify({ site: big, cookies: ['c1'] }) });
        default:
          return fetch(`${svc.url}/v1/import`, { method: 'POST', headers, body: JSON.stringify({ site: big, url: 'https://flood.example/' }) });
      }
    };
    const answers: Array<{ status: number; retryAfter: string | null; code: unknown; length: number }> = [];
    // Eight at a time, in order, so "later" means something.
    for (let i = 0; i < REQUESTS; i += 8) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(8, REQUESTS - i) }, async (_, j) => {
          const res = await send(i + j);
          const text = await res.text();
          const body = JSON.parse(text) as { code?: unknown; errors?: Array<{ extensions?: { code?: unknown } }> };
          return { status: res.status, retryAfter: res.headers.get('retry-after'), code: body.code ?? body.errors?.[0]?.extensions?.code, length: text.length };
        }),
      );
      answers.push(...batch);
    }
    // First refused for who they are, then rate-limited: the last 900 are all 429 with Retry-After.
    expect(answers[0]!.status).toBe(401);
    for (const a of answers.slice(100)) {
      expect(a.status).toBe(429);
      expect(a.code).toBe('RATE_LIMITED');
      expect(Number(a.retryAfter)).toBeGreaterThan(0);
    }
    // No answer echoes the 1 MB argument.
    for (const a of answers) expect(a.length).toBeLessThan(1_000);

    // An address that waits out Retry-After is heard again (the admin reads the trail from the same address).
    await new Promise((r) => setTimeout(r, Number(answers.at(-1)!.retryAfter) * 1000 + 200));

    // The refusals that were audited are in the trail, summed, and cut to the documented length.
    type Row = { n: string; longest: string; total: string };
    const rows = await eventually(
      () => svc.store.query<Row>(
        `SELECT count() AS n, toString(max(greatest(length(operation), length(purpose), arrayMax(arrayMap(s -> length(s), arrayConcat(sites, ['']))), length(detail)))) AS longest,
                toString(sum(length(operation) + length(purpose) + length(detail) + arraySum(arrayMap(s -> length(s), sites)))) AS total
         FROM audit_log WHERE outcome = 'denied' AND code = 'UNAUTHENTICATED'`,
      ),
      (r) => Number(r[0]?.n) > 0,
    );
    expect(Number(rows[0]!.longest)).toBeLessThanOrEqual(AUDIT_VALUE_MAX + 8); // "…" and the " ×n" of a summed row
    expect(Number(rows[0]!.total)).toBeLessThan(100_000);
    // auditLog answers in kilobytes, not megabytes.
    const day = new Date().toISOString().slice(0, 10);
    const log = await fetch(`${svc.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION', 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ auditLog(from: "${day}", to: "${day}", limit: 10000) { operation purpose sites detail } }` }),
    });
    expect(log.status).toBe(200);
    expect((await log.text()).length).toBeLessThan(100_000);

    await svc.flush();
    const growth = sizeOf(svc.dataDir) - before;
    expect(growth).toBeLessThan(1024 * 1024);
    expect(ECHO_MAX).toBe(64);
  }, 300_000);
});
