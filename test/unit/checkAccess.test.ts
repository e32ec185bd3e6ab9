import { describe, expect, it } from 'vitest';
import type { ApiKey } from '../../src/access/apiKey.ts';
import { checkAccess } from '../../src/access/checkAccess.ts';
import { ECHO_MAX } from '../../src/errors/apiError.ts';
import type { Purpose } from '../../src/access/purposes.ts';
import type { Auth, RequestAccess } from '../../src/access/requestAccess.ts';

const key = (purposes: Purpose[], sites: ApiKey['sites'] = ['shop']): ApiKey => ({
  id: 'key_1',
  name: 'dashboard',
  purposes,
  sites,
  createdAt: '2026-11-01T00:00:00.000Z',
  revokedAt: null,
});
const ok = (k: ApiKey): Auth => ({ kind: 'ok', key: k });
const access = (auth: Auth, purposeText: string | undefined): RequestAccess => ({
  auth,
  purposeText,
  purpose: purposeText === 'STATISTICS' || purposeText === 'ADVERTISING' || purposeText === 'ADMINISTRATION' ? purposeText : undefined,
});
const STATS_FIELD = new Set<Purpose>(['STATISTICS']);
const STATS_KEY = ok(key(['STATISTICS']));

describe('checkAccess', () => {
  it('allows a live key with a purpose of its own and of the field, on its own site', () => {
    expect(checkAccess(access(STATS_KEY, 'STATISTICS'), 'Query.stats', STATS_FIELD, ['shop'])).toBeUndefined();
  });

  it('allows a field that names no site', () => {
    expect(checkAccess(access(STATS_KEY, 'STATISTICS'), 'Query.sites', new Set<Purpose>(['STATISTICS', 'ADMINISTRATION']), [])).toBeUndefined();
  });

  it('refuses a missing key as UNAUTHENTICATED', () => {
    expect(checkAccess(access({ kind: 'missing' }, 'STATISTICS'), 'Query.stats', STATS_FIELD, ['shop'])).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('Authorization: Bearer'),
    });
  });

  it('refuses an unknown key as UNAUTHENTICATED', () => {
    expect(checkAccess(access({ kind: 'unknown' }, 'STATISTICS'), 'Query.stats', STATS_FIELD, ['shop'])).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'the API key is not valid',
    });
  });

  it('refuses a revoked key as KEY_REVOKED even when everything else fits', () => {
    const revoked: Auth = { kind: 'revoked', key: { ...key(['STATISTICS']), revokedAt: '2026-11-02T00:00:00.000Z' } };
    expect(checkAccess(access(revoked, 'STATISTICS'), 'Query.stats', STATS_FIELD, ['shop'])?.code).toBe('KEY_REVOKED');
  });

  it('asks for a purpose when none was declared: PURPOSE_REQUIRED', () => {
    const d = checkAccess(access(STATS_KEY, undefined), 'Query.stats', STATS_FIELD, ['shop']);
    expect(d?.code).toBe('PURPOSE_REQUIRED');
    expect(d?.message).toContain('X-Calypso-Purpose');
  });

  it('refuses an unknown purpose text as PURPOSE_NOT_ALLOWED, quoting it briefly', () => {
    const d = checkAccess(access(STATS_KEY, `MARKETING${'x'.repeat(100)}`), 'Query.stats', STATS_FIELD, ['shop']);
    expect(d?.code).toBe('PURPOSE_NOT_ALLOWED');
    expect(d?.message).toContain('must be one of STATISTICS');
    expect(d?.message).toContain('MARKETING');
    expect(d?.message).not.toContain('x'.repeat(ECHO_MAX));
  });

  it('echoes at most ECHO_MAX characters of a site id it refuses (a 1 MB id is not echoed whole)', () => {
    const huge = `b${'y'.repeat(1024 * 1024)}`;
    const d = checkAccess(access(STATS_KEY, 'STATISTICS'), 'Query.stats', STATS_FIELD, [huge]);
    expect(d?.code).toBe('FORBIDDEN');
    expect(d?.message).toContain(`"b${'y'.repeat(ECHO_MAX - 1)}…"`);
    expect(d!.message.length).toBeLessThan(200);
  });

  it('refuses a purpose the key does not have as PURPOSE_NOT_ALLOWED', () => {
    const d = checkAccess(access(STATS_KEY, 'ADVERTISING'), 'Query.segments', new Set<Purpose>(['ADVERTISING']), ['shop']);
    expect(d).toEqual({ code: 'PURPOSE_NOT_ALLOWED', message: 'this API key is not allowed the purpose ADVERTISING' });
  });

  it('refuses a purpose the field does not serve as PURPOSE_NOT_ALLOWED, naming the field', () => {
    const admin = ok(key(['STATISTICS', 'ADMINISTRATION'], '*'));
    const d = checkAccess(access(admin, 'ADMINISTRATION'), 'Query.stats', STATS_FIELD, ['shop']);
    expect(d?.code).toBe('PURPOSE_NOT_ALLOWED');
    expect(d?.message).toBe('Query.stats does not serve the purpose ADMINISTRATION; it serves STATISTICS');
  });

  it('refuses a site outside the key as FORBIDDEN, checking every site named', () => {
    expect(checkAccess(access(STATS_KEY, 'STATISTICS'), 'Query.stats', STATS_FIELD, ['other'])).toEqual({
      code: 'FORBIDDEN',
      message: 'this API key has no access to site "other"',
    });
    expect(checkAccess(access(STATS_KEY, 'STATISTICS'), 'Mutation.x', STATS_FIELD, ['shop', 'other'])?.code).toBe('FORBIDDEN');
  });

  it('lets a "*" key reach any site', () => {
    const any = ok(key(['STATISTICS'], '*'));
    expect(checkAccess(access(any, 'STATISTICS'), 'Query.stats', STATS_FIELD, ['shop', 'other', 'anything'])).toBeUndefined();
  });

  it('gives the authentication denial before the purpose one, and the purpose one before the site one', () => {
    expect(checkAccess(access({ kind: 'missing' }, undefined), 'Query.stats', STATS_FIELD, ['other'])?.code).toBe('UNAUTHENTICATED');
    expect(checkAccess(access(STATS_KEY, 'ADVERTISING'), 'Query.stats', STATS_FIELD, ['other'])?.code).toBe('PURPOSE_NOT_ALLOWED');
  });
});
