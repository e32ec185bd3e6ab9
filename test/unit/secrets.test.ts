import { describe, expect, it } from 'vitest';
import { parsePseudonymKeys } from '../../src/config/secrets.ts';

const key = (fill: number, bytes = 32) => Buffer.alloc(bytes, fill);
const b64 = (fill: number, bytes = 32) => key(fill, bytes).toString('base64');

describe('parsePseudonymKeys', () => {
  it('parses one version', () => {
    const keys = parsePseudonymKeys(`1:${b64(1)}`);
    expect([...keys.keys()]).toEqual([1]);
    expect(keys.get(1)?.equals(key(1))).toBe(true);
  });

  it('parses several versions, each with its own key', () => {
    const keys = parsePseudonymKeys(`1:${b64(1)},2:${b64(2)},255:${b64(3, 48)}`);
    expect([...keys.keys()].sort((a, b) => a - b)).toEqual([1, 2, 255]);
    expect(keys.get(2)?.equals(key(2))).toBe(true);
    expect(keys.get(255)?.length).toBe(48);
  });

  it('accepts unpadded and url-safe base64 and surrounding whitespace', () => {
    const raw = Buffer.from(Array.from({ length: 32 }, (_, i) => 250 - i));
    const urlSafe = raw.toString('base64url');
    expect(urlSafe).toMatch(/[-_]/);
    const keys = parsePseudonymKeys(`  3:${urlSafe}\n`);
    expect(keys.get(3)?.equals(raw)).toBe(true);
  });

  it.each([
    ['a key shorter than 32 bytes', `1:${b64(1, 31)}`],
    ['version 0', `0:${b64(1)}`],
    ['version 256', `256:${b64(1)}`],
    ['a non-numeric version', `v1:${b64(1)}`],
    ['a fractional version', `1.5:${b64(1)}`],
    ['a missing key', '1'],
    ['an empty key', '1:'],
    ['an empty string', ''],
    ['a trailing comma', `1:${b64(1)},`],
    ['non-base64 key text', `1:${'!'.repeat(60)}`],
    ['one good and one short key', `1:${b64(1)},2:${b64(2, 16)}`],
  ])('refuses %s', (_what, text) => {
    expect(() => parsePseudonymKeys(text)).toThrow(/version:base64/);
  });

  it('refuses a version listed twice instead of silently keeping one of the keys', () => {
    expect(() => parsePseudonymKeys(`1:${b64(1)},1:${b64(2)}`)).toThrow(/version 1 .*twice/);
  });

  it('never echoes key material in its error', () => {
    const secret = b64(9, 20);
    let message = '';
    try {
      parsePseudonymKeys(`1:${secret}`);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toBe('');
    expect(message).not.toContain(secret);
  });
});
