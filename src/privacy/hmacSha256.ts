// HMAC-SHA-256 with the keyed pads prepared once, on the hot paths of /collect and the segment look-ups.
// Each call writes the message after the inner pad in a reused buffer and hashes it with the one-shot
// crypto.hash: no Hash objects and no allocations but the digests (Node's createHmac re-derives the
// key per call, about 7× slower here).
import { createHash, hash } from 'node:crypto';

const BLOCK = 64;
/** Messages up to this many bytes use the reused buffer; longer ones (rare) are concatenated. */
const MAX_INLINE = 4096;

export type KeyedHmac = (...parts: ReadonlyArray<string | Buffer>) => Buffer;

export function keyedHmacSha256(key: Buffer): KeyedHmac {
  const k = key.length > BLOCK ? createHash('sha256').update(key).digest() : key;
  const ipad = Buffer.alloc(BLOCK, 0x36);
  const opad = Buffer.alloc(BLOCK, 0x5c);
  for (let i = 0; i < k.length; i++) {
    ipad[i] = ipad[i]! ^ k[i]!;
    opad[i] = opad[i]! ^ k[i]!;
  }
  // NOTE: the buffers hold key material and the last message; they never leave this closure.
  const inner = Buffer.alloc(BLOCK + MAX_INLINE);
  ipad.copy(inner, 0);
  const outer = Buffer.alloc(BLOCK + 32);
  opad.copy(outer, 0);
  return (...parts) => {
    let end = BLOCK;
    let fits = true;
    for (const p of parts) {
      // A UTF-16 code unit is at most 3 UTF-8 bytes: check before writing so nothing is cut short.
      const room = typeof p === 'string' ? p.length * 3 : p.length;
      if (end + room > inner.length) {
        fits = false;
        break;
      }
      end += typeof p === 'string' ? inner.write(p, end, 'utf8') : p.copy(inner, end);
    }
    const data = fits ? inner.subarray(0, end) : Buffer.concat([ipad, ...parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p))]);
    hash('sha256', data, 'buffer').copy(outer, BLOCK);
    return hash('sha256', outer, 'buffer');
  };
}
