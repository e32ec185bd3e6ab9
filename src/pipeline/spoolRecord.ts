// The spool's record framing, pure so damage handling is unit-tested:
//   "CLY1" | u32 payload length | u32 CRC-32 of payload | payload (NDJSON rows, one per line)
import { crc32 } from 'node:zlib';

export const MAGIC = Buffer.from('CLY1');
export const HEADER_BYTES = 12;
/** No record is larger than the largest request body plus its reduction; anything longer is damage. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/**
 * The record of a payload: its bytes, or a text's UTF-8 bytes encoded straight behind the header (one
 * buffer, not one for the text and a copy of it: a 500-event request's record is half a megabyte).
 * `bytes` is the payload's length when the caller has it already.
 */
export function encodeRecord(payload: Buffer | string, bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + bytes);
  MAGIC.copy(out, 0);
  out.writeUInt32BE(bytes, 4);
  if (typeof payload === 'string') out.write(payload, HEADER_BYTES, bytes, 'utf8');
  else payload.copy(out, HEADER_BYTES);
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
