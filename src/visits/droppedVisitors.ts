// The visitors the in-process visit state dropped for room, remembered well enough that a visitor never
// dropped is (almost) never looked up in ClickHouse, and a dropped one always is (docs/visits.md). Pure.
//
// NOTE: a table of 512 Ki slots (hash → newest drop there) did this before: once a few hundred thousand
// visitors had been dropped, most slots held a recent drop, so most new visitors shared a slot with a
// dropped one and were looked up: under sustained load of new visitors the collector fell from 15–30 k to
// 2–6 k events/s. Here each generation is a Bloom filter of the visitors dropped in a span of time, with
// the newest drop time it holds: a visitor's drop time is that of the newest generation that may hold it.

export interface DroppedVisitorsOptions {
  /** Members each generation is sized for (24 bits each). */
  capacity: number;
  /** At most this many generations; past it the oldest is forgotten and its drops move `floor`. */
  generations?: number;
  /** A generation takes drops for at most this long (so a drop's time is known to within it). */
  spanMs: number;
}

export interface DroppedVisitors {
  /** Remembers a visitor (its `${site}\u0000${key}` id) dropped with writes up to `at` (ms) lost. */
  add(id: string, at: number): void;
  /**
   * A time no earlier than the newest `at` this visitor was added with (unless its generation expired):
   * the newest drop time of the newest generation that may hold it, or `floor`; 0 when neither.
   */
  droppedAt(id: string): number;
  /** Forgets the generations whose every drop is older than `oldest` (the caller vouches for nothing older). */
  expire(oldest: number): void;
  /** Forgets everything (the state was loaded afresh). */
  clear(): void;
  /** Whether any drop is remembered: without one `droppedAt` is 0 for every visitor. */
  readonly any: boolean;
  /** The filters' bytes (at most `generations` × `capacity` × 3). */
  readonly bytes: number;
}

/** 24 bits per member, in blocks of one 64-byte cache line: one memory read per generation asked. */
const BITS_PER_MEMBER = 24;
const WORDS_PER_BLOCK = 16;
/** One bit in each of a block's 16 words, chosen by these odd multipliers (a split block Bloom filter). */
const SALTS = Uint32Array.of(
  0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31,
  0x9e3779b1, 0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f, 0x165667b1, 0xd3a2646c | 1, 0xfd7046c5, 0xb55a4f09,
);

interface Generation {
  bits: Uint32Array;
  count: number;
  /** When its first drop came. */
  first: number;
  /** The newest drop it holds, and never earlier than the generation before it's. */
  newest: number;
}

/** murmur3's finaliser: every input bit moves every output bit. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function droppedVisitors(opts: DroppedVisitorsOptions): DroppedVisitors {
  const maxGenerations = opts.generations ?? 32;
  const blocks = Math.ceil((opts.capacity * BITS_PER_MEMBER) / (WORDS_PER_BLOCK * 32));
  // Oldest first.
  const gens: Generation[] = [];
  // Drops of generations forgotten for room (not by age): every visitor's drop time is at least this.
  let floor = 0;
  // Filters of forgotten generations, cleared and used again: no new allocation per generation.
  const spare: Uint32Array[] = [];
  // The hash of the last id hashed: two 32-bit halves, the block and the lanes' bits (64 bits in all).
  let hBlock = 0;
  let hLanes = 0;
  const hash = (id: string) => {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    hBlock = fmix(a ^ Math.imul(b, 0x27d4eb2f));
    hLanes = fmix(b + 0x165667b1);
  };
  // The block's first word: the block chosen by the hash's high half scaled to the count (exact in doubles).
  const blockOf = () => Math.floor((hBlock * blocks) / 4294967296) * WORDS_PER_BLOCK;
  const has = (bits: Uint32Array, at: number) => {
    for (let i = 0; i < WORDS_PER_BLOCK; i++) {
      if ((bits[at + i]! & (1 << (Math.imul(hLanes, SALTS[i]!) >>> 27))) === 0) return false;
    }
    return true;
  };
  const forget = () => {
    const g = gens.shift()!;
    g.bits.fill(0);
    spare.push(g.bits);
    return g;
  };
  return {
    add(id, at) {
      let g = gens.at(-1);
      if (g === undefined || g.count >= opts.capacity || at - g.first > opts.spanMs) {
        // Full: the oldest goes, and what it held is vouched for by `floor` (a look-up more, never fewer).
        if (gens.length >= maxGenerations) floor = Math.max(floor, forget().newest);
        g = { bits: spare.pop() ?? new Uint32Array(blocks * WORDS_PER_BLOCK), count: 0, first: at, newest: Math.max(at, g?.newest ?? 0) };
        gens.push(g);
      }
      hash(id);
      const b = blockOf();
      for (let i = 0; i < WORDS_PER_BLOCK; i++) g.bits[b + i]! |= 1 << (Math.imul(hLanes, SALTS[i]!) >>> 27);
      g.count++;
      if (at > g.newest) g.newest = at;
    },
    droppedAt(id) {
      if (gens.length === 0) return floor;
      hash(id);
      const b = blockOf();
      // Newest first: its `newest` is at least every older generation's.
      for (let i = gens.length - 1; i >= 0; i--) if (has(gens[i]!.bits, b)) return Math.max(floor, gens[i]!.newest);
      return floor;
    },
    expire(oldest) {
      while (gens.length > 0 && gens[0]!.newest < oldest) forget();
      if (floor < oldest) floor = 0;
      // One spare is enough to start the next generation without allocating; the others are let go.
      spare.length = Math.min(spare.length, 1);
    },
    clear() {
      while (gens.length > 0) forget();
      floor = 0;
    },
    get any() {
      return gens.length > 0 || floor > 0;
    },
    get bytes() {
      return (gens.length + spare.length) * blocks * WORDS_PER_BLOCK * 4;
    },
  };
}
