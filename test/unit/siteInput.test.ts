import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors/apiError.ts';
import { normaliseHostname, validateSiteInput, validateSiteUpdate, type SiteInput } from '../../src/sites/siteInput.ts';
import type { Site } from '../../src/sites/siteStore.ts';

const VALID: SiteInput = { id: 'shop', name: 'Shop', hostnames: ['shop.example'], timezone: 'Europe/Moscow', kAnonymity: 10, retentionDays: 395 };

function siteError(patch: Partial<SiteInput>): InputError {
  try {
    validateSiteInput({ ...VALID, ...patch });
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error(`accepted ${JSON.stringify(patch)}`);
}

describe('normaliseHostname', () => {
  it('refuses empty and malformed labels, naming the field', () => {
    for (const bad of ['a..b', '-shop.example', 'shop-.example', `${'a'.repeat(64)}.example`]) {
      expect(() => normaliseHostname(bad, 'hostnames[2]'), bad).toThrow(/^hostnames\[2\] must be a valid host name/);
    }
  });

  it('lower-cases and trims', () => {
    expect(normaliseHostname('  Shop.EXAMPLE ', 'h')).toBe('shop.example');
  });

  it('converts internationalised names to punycode (IDNA)', () => {
    expect(normaliseHostname('ПРИМЕР.рф', 'h')).toBe('xn--e1afmkfd.xn--p1ai');
    expect(normaliseHostname('пример.рф', 'h')).toBe('xn--e1afmkfd.xn--p1ai');
    expect(normaliseHostname('xn--e1afmkfd.xn--p1ai', 'h')).toBe('xn--e1afmkfd.xn--p1ai');
  });

  it('keeps a Cyrillic look-alike distinct from the Latin name it imitates', () => {
    const lookAlike = '\u0441\u043Ecoa-calypso.ru';
    expect(lookAlike).toBe('соcoa-calypso.ru');
    expect(lookAlike).not.toBe('socoa-calypso.ru');
    const n = normaliseHostname(lookAlike, 'h');
    expect(n).toMatch(/^xn--[a-z0-9-]+\.ru$/);
    expect(n).not.toBe(normaliseHostname('socoa-calypso.ru', 'h'));
    expect(normaliseHostname('socoa-calypso.ru', 'h')).toBe('socoa-calypso.ru');
  });

  it.each(['', '   ', 'shop.example:8080', 'https://shop.example', 'shop.example/path', 'user@shop.example', 'shop example', 'shop.example?x', 'shop.example#x', '[::1]'])(
    'refuses %j as not a bare host name, naming the field',
    (raw) => {
      expect(() => normaliseHostname(raw, 'hostnames[2]')).toThrow(/^hostnames\[2\] must be a bare host name/);
    },
  );

  it.each(['a<b', 'a%zz', 'exa|mple.com'])('refuses the invalid host %j naming the field', (raw) => {
    let err: unknown;
    try {
      normaliseHostname(raw, 'hostnames[0]');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe('hostnames[0]');
    expect((err as InputError).message).toMatch(/^hostnames\[0\] must be a valid host name/);
  });
});

describe('validateSiteInput', () => {
  it('returns the normalised site', () => {
    expect(validateSiteInput({ ...VALID, name: '  My Shop ', hostnames: ['Shop.Example', 'shop.example', 'ПРИМЕР.рф'] })).toEqual({
      id: 'shop',
      name: 'My Shop',
      hostnames: ['shop.example', 'xn--e1afmkfd.xn--p1ai'],
      timezone: 'Europe/Moscow',
      kAnonymity: 10,
      retentionDays: 395,
      defaultConsent: 1,
    });
  });

  it('packs the default consent into flags, statistics only when omitted', () => {
    expect(validateSiteInput({ ...VALID, defaultConsent: { statistics: true, personalization: false, advertising: true, thirdParty: false } }).defaultConsent).toBe(5);
    expect(validateSiteInput({ ...VALID, defaultConsent: null }).defaultConsent).toBe(1);
  });

  it('accepts the limits of every number and IANA zones of every shape', () => {
    expect(validateSiteInput({ ...VALID, kAnonymity: 2, retentionDays: 1 }).kAnonymity).toBe(2);
    expect(validateSiteInput({ ...VALID, kAnonymity: 10_000, retentionDays: 3_650 }).retentionDays).toBe(3_650);
    for (const timezone of ['UTC', 'EST', 'Etc/GMT+3', 'America/Argentina/Buenos_Aires', 'America/Port-au-Prince', 'Europe/Kyiv', 'Europe/Kiev']) {
      expect(validateSiteInput({ ...VALID, timezone }).timezone).toBe(timezone);
    }
  });

  it.each<[string, string, Partial<SiteInput>]>([
    ['id empty', 'id', { id: '' }],
    ['id upper-case', 'id', { id: 'Shop' }],
    ['id with a dot', 'id', { id: 'shop.example' }],
    ['id starting with a dash', 'id', { id: '-shop' }],
    ['id of 64 characters', 'id', { id: 's'.repeat(64) }],
    ['name blank', 'name', { name: '   ' }],
    ['name too long', 'name', { name: 'n'.repeat(201) }],
    ['no hostnames', 'hostnames', { hostnames: [] }],
    ['51 hostnames', 'hostnames', { hostnames: Array.from({ length: 51 }, (_, i) => `h${i}.example`) }],
    ['a bad hostname', 'hostnames[1]', { hostnames: ['ok.example', 'bad host'] }],
    ['timezone unknown', 'timezone', { timezone: 'Mars/Olympus' }],
    ['timezone empty', 'timezone', { timezone: '' }],
    ['timezone as an offset', 'timezone', { timezone: '+03:00' }],
    ['timezone in the wrong case', 'timezone', { timezone: 'utc' }],
    ['timezone lower-case', 'timezone', { timezone: 'europe/moscow' }],
    ['kAnonymity 0', 'kAnonymity', { kAnonymity: 0 }],
    ['kAnonymity 1: a row could be one visitor', 'kAnonymity', { kAnonymity: 1 }],
    ['kAnonymity fractional', 'kAnonymity', { kAnonymity: 2.5 }],
    ['kAnonymity too large', 'kAnonymity', { kAnonymity: 10_001 }],
    ['retentionDays 0', 'retentionDays', { retentionDays: 0 }],
    ['retentionDays too large', 'retentionDays', { retentionDays: 3_651 }],
    ['retentionDays NaN', 'retentionDays', { retentionDays: Number.NaN }],
  ])('refuses %s naming %s', (_what, field, patch) => {
    const err = siteError(patch);
    expect(err.field).toBe(field);
    expect(err.message.startsWith(`${field} must `)).toBe(true);
  });

  it('checks fields in order, so the first bad one is named', () => {
    expect(siteError({ id: 'BAD', timezone: 'nowhere', kAnonymity: 0 }).field).toBe('id');
    expect(siteError({ timezone: 'nowhere', kAnonymity: 0 }).field).toBe('timezone');
  });

  it('mends a lone surrogate in the name (ClickHouse could not store it) and quotes at most 64 characters of a bad value', () => {
    expect(validateSiteInput({ ...VALID, name: 'Shop \ud800' }).name).toBe('Shop \ufffd');
    const err = siteError({ timezone: `Europe/${'x'.repeat(1000)}` });
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(err.message.length).toBeLessThan(200);
    expect(err.message).toContain(`"Europe/${'x'.repeat(57)}…"`);
  });
});

describe('validateSiteUpdate', () => {
  const CURRENT: Site = { id: 'shop', name: 'Shop', hostnames: ['shop.example'], timezone: 'UTC', kAnonymity: 5, retentionDays: 90, defaultConsent: 3, createdAt: '2026-01-01T00:00:00.000Z' };
  const { createdAt: _, ...unchanged } = CURRENT;

  it('keeps what is omitted or null, and changes what is given', () => {
    expect(validateSiteUpdate(CURRENT, { id: 'shop' })).toEqual(unchanged);
    expect(validateSiteUpdate(CURRENT, { id: 'shop', name: null, hostnames: null, timezone: null, kAnonymity: null, retentionDays: null, defaultConsent: null })).toEqual(unchanged);
    expect(validateSiteUpdate(CURRENT, { id: 'shop', hostnames: ['New.Example'], kAnonymity: 7, defaultConsent: { statistics: false, personalization: false, advertising: true, thirdParty: false } })).toEqual({
      ...unchanged,
      hostnames: ['new.example'],
      kAnonymity: 7,
      defaultConsent: 4,
    });
  });

  it("refuses a bad value with createSite's field and message", () => {
    expect(() => validateSiteUpdate(CURRENT, { id: 'shop', kAnonymity: 1 })).toThrow(/^kAnonymity must be an integer from 2/);
    expect(() => validateSiteUpdate(CURRENT, { id: 'shop', hostnames: ['ok.example', 'a/b'] })).toThrow(/^hostnames\[1\] must be a bare host name/);
  });
});
