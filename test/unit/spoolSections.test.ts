import { describe, expect, it } from 'vitest';
import { sectionRecord, sectionsText, splitSections } from '../../src/pipeline/spoolSections.ts';

/** The record's payload as the spool stores it: the text's UTF-8 bytes. */
const payload = (...a: Parameters<typeof sectionsText>) => Buffer.from(sectionsText(...a));
const text = (s: ReturnType<typeof splitSections>) => ({ own: s.own.toString(), sections: Object.fromEntries([...s.sections].map(([k, v]) => [k, v.toString()])) });

describe('spool record sections', () => {
  it('round-trips the own rows and each non-empty section', () => {
    const rec = payload('{"a":1}\n{"a":2}\n', [['visits', '{"v":1}\n'], ['visit_aliases', '']]);
    expect(rec.toString()).toBe('{"a":1}\n{"a":2}\n#visits\n{"v":1}\n');
    expect(text(splitSections(rec))).toEqual({ own: '{"a":1}\n{"a":2}\n', sections: { visits: '{"v":1}\n' } });
    expect(text(splitSections(payload('{"a":1}\n', [['visits', '{"v":1}\n{"v":2}\n'], ['visit_aliases', '{"x":1}\n']])))).toEqual({
      own: '{"a":1}\n',
      sections: { visits: '{"v":1}\n{"v":2}\n', visit_aliases: '{"x":1}\n' },
    });
  });

  it('reads a record of earlier versions (no header) as the own rows only, and a record of sections only', () => {
    expect(text(splitSections(Buffer.from('{"a":"#x"}\n')))).toEqual({ own: '{"a":"#x"}\n', sections: {} });
    const only = sectionRecord([['visit_aliases', Buffer.from('{"x":1}\n')]]);
    expect(text(splitSections(only))).toEqual({ own: '', sections: { visit_aliases: '{"x":1}\n' } });
  });

  it('refuses an unknown or repeated section header', () => {
    expect(() => splitSections(Buffer.from('{"a":1}\n#events\n{"b":1}\n'))).toThrow(/unknown or repeated/);
    expect(() => splitSections(Buffer.from('#visits\n{"b":1}\n#visits\n{"b":2}\n'))).toThrow(/unknown or repeated/);
  });
});
