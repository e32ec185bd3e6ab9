// HMAC-SHA-256 with the keyed pads hashed once: each call copies the two prepared hash states
// instead of re-deriving the key, which Node's createHmac does per call (a hot path in /collect).
import { createHash, type Hash } from 'node:crypto';

const BLOCK = 64;

export type KeyedHmac = (...parts: ReadonlyArray<string | Buffer>) => Buffer;

export function keyedHmacSha256(key: Buffer): KeyedHmac {
  const k = key.length > BLOCK ? createHash('sha256').update(key).digest() : key;
  const ipad = Buffer.alloc(BLOCK, 0x36);
  const opad = Buffer.alloc(BLOCK, 0x5c);
  for (let i = 0; i < k.length; i++) {
    ipad[i] = ipad[i]! ^ k[i]!;
    opad[i] = opad[i]! ^ k[i]!;
  }
  const inner: Hash = createHash('sha256').update(ipad);
  const outer: Hash = createHash('sha256').update(opad);
  return (...parts) => {
    const h = inner.copy();
    for (const p of parts) h.update(p);
    return outer.copy().update(h.digest()).digest();
  };
}
