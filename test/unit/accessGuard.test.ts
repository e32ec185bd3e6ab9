// The API's rate limits and the bounds of an audit row, as pure functions of their inputs and a clock.
import { describe, expect, it } from 'vitest';
import { createAccessGuard } from '../../src/access/accessGuard.ts';
import type { ApiKey } from '../../src/access/apiKey.ts';
import type { RequestAccess } from '../../src/access/requestAccess.ts';
import { AUDIT_DETAIL_MAX, AUDIT_LIST_MAX, AUDIT_VALUE_MAX, boundRow, clip } from '../../src/audit/auditBounds.ts';
import type { AuditRow } from '../../src/audit/auditTrail.ts';
import { echo, ECHO_MAX } from '../../src/errors/apiError.ts';

const key: ApiKey = { id: 'key_1', name: 'k', purposes: ['ADVERTISING'], sites: ['shop'], createdAt: '', revokedAt: null };
const ok: RequestAccess = { auth: { kind: 'ok', key }, purpose: 'ADVERTISING', purposeText: 'ADVERTISING' };
const anonymous: RequestAccess = { auth: { kind: 'missing' }, purpose: undefined, purposeText: undefined };

describe('the failed-authentication limit', () => {
  it('refuses an address after N failures in a minute, before anything else, with Retry-After; other addresses and keys go on', () => {
    const guard = createAccessGuard({ authFailuresPerMinute: 3, perKeyPerSecond: 1_000, trustedProxies: [] });
    const t = 1_000_000;
    for (let i = 0; i < 3; i++) expect(guard.admit('10.0.0.1', anonymous, t)).toBeUndefined();
    const over = guard.admit('10.0.0.1', anonymous, t);
    expect(over).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(over!.retryAfter).toBeGreaterThan(0);
    expect(guard.blocked('10.0.0.1', t + 100)).toMatchObject({ code: 'RATE_LIMITED' });
    expect(guard.blocked('10.0.0.2', t + 100)).toBeUndefined();
    expect(guard.admit('10.0.0.2', ok, t + 100)).toBeUndefined();
  });

  it('keeps refusing an address that keeps sending; hears it again once it waited out Retry-After', () => {
    const guard = createAccessGuard({ authFailuresPerMinute: 60, perKeyPerSecond: 1_000, trustedProxies: [] });
    let t = 0;
    for (let i = 0; i < 61; i++) guard.admit('10.0.0.1', anonymous, t);
    for (let i = 0; i < 100; i++) expect(guard.blocked('10.0.0.1', (t += 100))).toBeDefined();
    const wait = guard.blocked('10.0.0.1', t)!.retryAfter!;
    expect(guard.blocked('10.0.0.1', t + wait * 1000 + 1)).toBeUndefined();
  });
});

describe('the per-key rate', () => {
  it('answers RATE_LIMITED once a key spent its burst (twice the rate)', () => {
    const guard = createAccessGuard({ authFailuresPerMinute: 30, perKeyPerSecond: 5, trustedProxies: [] });
    for (let i = 0; i < 10; i++) expect(guard.admit('10.0.0.1', ok, 0)).toBeUndefined();
    expect(guard.admit('10.0.0.1', ok, 0)).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 1 });
    expect(guard.admit('10.0.0.1', ok, 1_000)).toBeUndefined();
  });
});

describe('audit row bounds', () => {
  const row = (over: Partial<AuditRow>): AuditRow => ({ ts: '', key_id: '', purpose: '', operation: 'Q', fields: ['Query.stats'], sites: ['shop'], outcome: 'denied', code: 'UNAUTHENTICATED', rows: 0, duration_ms: 1, detail: '', ...over });

  it('passes a row of short values through as the same object', () => {
    const r = row({});
    expect(boundRow(r)).toBe(r);
  });

  it('cuts every client value to AUDIT_VALUE_MAX (the echo() length), lists to AUDIT_LIST_MAX, detail to AUDIT_DETAIL_MAX', () => {
    const mb = 'x'.repeat(1_000_000);
    const b = boundRow(row({ purpose: mb, operation: mb, sites: [mb, ...Array.from({ length: 40 }, (_, i) => `s${i}`)], detail: mb }));
    expect(AUDIT_VALUE_MAX).toBe(ECHO_MAX);
    expect(b.purpose).toBe(`${'x'.repeat(AUDIT_VALUE_MAX)}…`);
    expect(b.operation.length).toBe(AUDIT_VALUE_MAX + 1);
    expect(b.sites.length).toBe(AUDIT_LIST_MAX + 1);
    expect(b.sites[0]!.length).toBe(AUDIT_VALUE_MAX + 1);
    expect(b.sites.at(-1)).toBe(`…+${41 - AUDIT_LIST_MAX}`);
    expect(b.detail.length).toBe(AUDIT_DETAIL_MAX + 1);
    // The same rule as echo(), without the quotes.
    expect(JSON.stringify(clip(mb))).toBe(echo(mb));
  });
});
