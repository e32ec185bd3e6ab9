import { describe, expect, it } from 'vitest';
import { decodeSegment, encodeRecord, HEADER_BYTES } from '../../src/pipeline/spoolRecord.ts';

const rec = (s: string) => encodeRecord(Buffer.from(s));
const texts = (d: ReturnType<typeof decodeSegment>) => d.records.map((r) => r.toString());

describe('spool records', () => {
  it('encodes a text payload to the same bytes as its UTF-8 buffer', () => {
    for (const text of ['', '{"a":1}\n', '{"path":"/ü/😀/\u00e9"}\n#visits\n{"b":2}\n', 'x'.repeat(70_000), 'я'.repeat(5_000)]) {
      const framed = encodeRecord(text);
      expect(framed.equals(rec(text)), text.slice(0, 20)).toBe(true);
      expect(decodeSegment(framed).records[0]!.toString()).toBe(text);
    }
  });

  it('round-trips records in order', () => {
    const seg = Buffer.concat([rec('{"a":1}\n'), rec(''), rec('{"b":2}\n{"c":3}\n')]);
    expect(decodeSegment(seg)).toEqual({ records: [Buffer.from('{"a":1}\n'), Buffer.from(''), Buffer.from('{"b":2}\n{"c":3}\n')], damaged: [], truncatedTail: 0 });
  });

  it('ignores a torn last record (a crash mid-write, never acknowledged)', () => {
    const whole = Buffer.concat([rec('one\n'), rec('two\n')]);
    for (const cut of [1, 5, HEADER_BYTES, HEADER_BYTES + 2]) {
      const torn = whole.subarray(0, whole.length - cut);
      const d = decodeSegment(torn);
      expect(texts(d), `cut ${cut}`).toEqual(['one\n']);
      expect(d.damaged).toEqual([]);
      expect(d.truncatedTail).toBe(torn.length - rec('one\n').length);
    }
  });

  it('sets aside a record with a flipped payload byte and keeps the ones around it', () => {
    const a = rec('first\n');
    const b = rec('second\n');
    const c = rec('third\n');
    const seg = Buffer.concat([a, b, c]);
    seg[a.length + HEADER_BYTES + 2] = seg[a.length + HEADER_BYTES + 2]! ^ 0x01;
    const d = decodeSegment(seg);
    expect(texts(d)).toEqual(['first\n', 'third\n']);
    expect(d.damaged).toEqual([{ offset: a.length, bytes: seg.subarray(a.length, a.length + b.length) }]);
  });

  it('resyncs after a corrupted length field, even one that points past the end', () => {
    const a = rec('first\n');
    const b = rec('second\n');
    const c = rec('third\n');
    const seg = Buffer.concat([a, b, c]);
    seg.writeUInt32BE(10_000, a.length + 4);
    const d = decodeSegment(seg);
    expect(texts(d)).toEqual(['first\n', 'third\n']);
    expect(d.damaged.map((x) => x.offset)).toEqual([a.length]);
    expect(d.truncatedTail).toBe(0);
  });

  it('treats leading garbage as damage, not as the end', () => {
    const seg = Buffer.concat([Buffer.from('garbage'), rec('ok\n')]);
    const d = decodeSegment(seg);
    expect(texts(d)).toEqual(['ok\n']);
    expect(d.damaged).toEqual([{ offset: 0, bytes: Buffer.from('garbage') }]);
  });
});
