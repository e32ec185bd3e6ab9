import { describe, expect, it } from 'vitest';
import { mixedScriptReason } from '../../src/privacy/mixedScript.ts';

// The policy's own look-alike: "с" U+0441 and "о" U+043E are Cyrillic, the rest Latin.
const LOOK_ALIKE = '\u0441\u043Ecoa-calypso.ru';
const LOOK_ALIKE_REASON = 'host "соcoa-calypso.ru" mixes Cyrillic and Latin letters in "соcoa-calypso" (a look-alike of a Latin name)';

describe('mixedScriptReason', () => {
  it('refuses the Cyrillic-Latin look-alike of the site name, naming the label and both scripts', () => {
    expect(LOOK_ALIKE).toBe('соcoa-calypso.ru');
    expect(mixedScriptReason(LOOK_ALIKE)).toBe(LOOK_ALIKE_REASON);
  });

  it('refuses the same host in its punycode spelling with the same reason', () => {
    const ascii = new URL(`http://${LOOK_ALIKE}`).hostname;
    expect(ascii).toMatch(/^xn--[a-z0-9-]+\.ru$/);
    expect(mixedScriptReason(ascii)).toBe(LOOK_ALIKE_REASON);
    expect(mixedScriptReason(ascii.toUpperCase())).toBe(LOOK_ALIKE_REASON);
  });

  it('refuses a Greek omicron in a Latin name', () => {
    expect(mixedScriptReason('s\u03BFso-calypso.ru')).toBe(
      'host "sοso-calypso.ru" mixes Latin and Greek letters in "sοso-calypso" (a look-alike of a Latin name)',
    );
  });

  it('refuses a Latin letter in a Cyrillic name and names Cyrillic as the imitated script', () => {
    expect(mixedScriptReason('приmер.рф')).toBe('host "приmер.рф" mixes Cyrillic and Latin letters in "приmер" (a look-alike of a Cyrillic name)');
  });

  it('lists three scripts and names no imitated script when none has most letters', () => {
    expect(mixedScriptReason('aաб.example')).toBe('host "aաб.example" mixes Latin, Armenian and Cyrillic letters in "aաб"');
  });

  it('judges the mixing label, not the host as a whole', () => {
    expect(mixedScriptReason('shop.p\u0430ypal.com')).toBe('host "shop.pаypal.com" mixes Latin and Cyrillic letters in "pаypal" (a look-alike of a Latin name)');
  });

  it.each([
    'soso-calypso.ru',
    'socoa-calypso.ru',
    'SOSO-Calypso.RU',
    'shop-2.soso-calypso.ru',
    '127.0.0.1',
    'localhost',
    'пример.рф',
    'xn--e1afmkfd.xn--p1ai',
    'сосоа-калипсо.рф',
    'пример.com', // one script per label: a Cyrillic name under a Latin TLD is not a mix
    'παράδειγμα.ελ',
    '例え.jp', // Japanese: Han with Hiragana is one writing system
    '한국어.kr',
    '',
  ])('accepts %j', (host) => {
    expect(mixedScriptReason(host)).toBeUndefined();
  });
});
