// The spool's record framing, pure so damage handling is unit-tested:
//   "CLY1" | u32 payload length | u32 CRC-32 of payload | payload (NDJSON rows, one per line)
import { crc32 } from 'node:zlib';

export const MAGIC = Buffer.from('CLY1');
export const HEADER_BYTES = 12;
/** No record is larger than the largest request body plus its reduction; anything longer is damage. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export function encodeRecord(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  MAGIC.copy(out, 0);
  out.writeUInt32BE(payload.length, 4);
  out.writeUInt32BE(crc32(payload), 8);
  payload.copy(out, HEADER_BYTES);
  return out;
}

/**
 * The record of a text payload (its UTF-8 bytes): the same bytes as encodeRecord(Buffer.from(text)), in one
 * buffer rather than two. A 500-event request's record is half a megabyte: encoded into a buffer of its own
 * and then copied behind the header, it cost an allocation and a copy of that size per request.
 */
export function encodeTextRecord(text: string, bytes = Buffer.byteLength(text)): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + bytes);
  MAGIC.copy(out, 0);
  out.writeUInt32BE(bytes, 4);
  out.write(text, HEADER_BYTES, bytes, 'utf8');
  out.writeUInt32BE(crc32(out.subarray(HEADER_BYTES)), 8);
  return out;
}

export interface DecodedSegment {
  /** Intact payloads, in order. */
  readonly records: Buffer[];
  /** Byte ranges that failed their checks (bad magic, length or CRC), set aside by the caller. */
  readonly damaged: Array<{ offset: number; bytes: Buffer }>;
  /** Bytes of an incomplete last record: a write cut short by a crash, never acknowledged. */
  readonly truncatedTail: number;
}

function recordAt(buf: Buffer, at: number): number | 'short' | 'bad' {
  if (at + HEADER_BYTES > buf.length) return buf.subarray(at, at + 4).equals(MAGIC.subarray(0, Math.min(4, buf.length - at))) ? 'short' : 'bad';
  if (!buf.subarray(at, at + 4).equals(MAGIC)) return 'bad';
  const len = buf.readUInt32BE(at + 4);
  if (len > MAX_RECORD_BYTES) return 'bad';
  if (at + HEADER_BYTES + len > buf.length) return 'short';
  return crc32(buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + len)) === buf.readUInt32BE(at + 8) ? len : 'bad';
}

/** Splits a segment into intact records, damaged ranges and a torn tail; resyncs on the next valid record. */
export function decodeSegment(buf: Buffer): DecodedSegment {
  const records: Buffer[] = [];
  const damaged: DecodedSegment['damaged'] = [];
  let at = 0;
  while (at < buf.length) {
    const r = recordAt(buf, at);
    if (typeof r === 'number') {
      records.push(buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + r));
      at += HEADER_BYTES + r;
      continue;
    }
    // Damage: skip to the next offset where a whole valid record starts.
    let next = at + 1;
    for (; next < buf.length; next++) {
      next = buf.indexOf(MAGIC, next);
      if (next === -1) next = buf.length;
      if (next >= buf.length || typeof recordAt(buf, next) === 'number') break;
    }
    // A record cut short with nothing valid after it is a torn write at the end, not damage.
    if (r === 'short' && next >= buf.length) return { records, damaged, truncatedTail: buf.length - at };
    damaged.push({ offset: at, bytes: buf.subarray(at, next) });
    at = next;
  }
  return { records, damaged, truncatedTail: 0 };
}
