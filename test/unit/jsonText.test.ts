import { describe, expect, it } from 'vitest';
import { jsonInner, jsonString, needsEscape } from '../../src/store/jsonText.ts';

const SAMPLES = ['', 'plain', '/p/1?x', 'q"uote', 'back\\slash', 'new\nline\t', '\u0001ctl', '\u001f', 'lone\ud800surrogate', '\udc00', 'émoji😀', 'ü\u2028', '\u007f'];

describe('JSON string text for row lines', () => {
  it('writes a string as JSON.stringify does, whole or between its quotes', () => {
    for (const s of SAMPLES) {
      expect(jsonString(s)).toBe(JSON.stringify(s));
      expect(`"${jsonInner(s)}"`).toBe(JSON.stringify(s));
    }
  });

  it('escapes only what JSON must escape (quote, backslash, controls, lone surrogates)', () => {
    expect(SAMPLES.filter(needsEscape)).toEqual(['q"uote', 'back\\slash', 'new\nline\t', '\u0001ctl', '\u001f', 'lone\ud800surrogate', '\udc00', 'émoji😀']);
    expect(jsonInner('plain')).toBe('plain');
  });
});
