// CSV of a panel (web/ui/csv.ts): RFC 4180 quoting, and no spreadsheet formulas from visitor-supplied text.
import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../../web/ui/csv.ts';

describe('csv', () => {
  it('quotes fields holding a comma, a quote or a line break, doubling quotes', () => {
    expect(csvField('/plain')).toBe('/plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(null)).toBe('');
    expect(csvField(-3)).toBe('-3');
    expect(csvField('Москва')).toBe('Москва');
  });
  it('a text starting like a formula is kept as text', () => {
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@cmd')).toBe("'@cmd");
  });
  it('one record per line, CRLF, header first', () => {
    expect(toCsv(['Page', 'Visitors'], [['/a', '1 234'], ['/b,c', '5']])).toBe('Page,Visitors\r\n/a,1 234\r\n"/b,c",5\r\n');
  });
});
