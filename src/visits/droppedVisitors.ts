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
  /** Its place in every block (the blocks of all generations are side by side: see below). */
  readonly slot: number;
  count: number;
  /** When its first drop came. */
  readonly first: number;
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
  // NOTE: a visitor never dropped is asked of every generation: one cache miss each when each generation
  // had its own array (with 15 of them, 0.9 µs more per visitor than the slot table; 0.35–0.5 µs now).
  // So block b of every generation lies side by side: the generation in slot k has it at
  // (b × stride + k) × 16, and asking all of them reads one run of memory. `stride` (slots per block)
  // doubles as generations are needed, up to `maxGenerations`, and the array is let go when none is left.
  let stride = 0;
  let bits = new Uint32Array(0);
  // Oldest first.
  const gens: Generation[] = [];
  const freeSlots: number[] = [];
  // Drops of generations forgotten for room (not by age): every visitor's drop time is at least this.
  let floor = 0;
  // The hash of the last id hashed: two 32-bit halves, the block and the lanes' bits (64 bits in all).
  let hBlock = 0;
  const mask = new Int32Array(WORDS_PER_BLOCK);
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
    const lanes = fmix(b + 0x165667b1);
    // Its bit in each of a block's words, the same in every generation.
    for (let i = 0; i < WORDS_PER_BLOCK; i++) mask[i] = 1 << (Math.imul(lanes, SALTS[i]!) >>> 27);
  };
  // The block chosen by the hash's high half scaled to the count (exact in doubles).
  const blockOf = () => Math.floor((hBlock * blocks) / 4294967296);
  const has = (at: number) => {
    for (let i = 0; i < WORDS_PER_BLOCK; i++) {
      if ((bits[at + i]! & mask[i]!) === 0) return false;
    }
    return true;
  };
  /** Twice the slots per block (the generations keep theirs), or the first one. */
  const grow = () => {
    const wider = stride === 0 ? 1 : Math.min(maxGenerations, stride * 2);
    const next = new Uint32Array(blocks * wider * WORDS_PER_BLOCK);
    const from = stride * WORDS_PER_BLOCK;
    const to = wider * WORDS_PER_BLOCK;
    for (let b = 0; b < blocks && stride > 0; b++) next.set(bits.subarray(b * from, (b + 1) * from), b * to);
    for (let k = wider - 1; k >= stride; k--) freeSlots.push(k);
    bits = next;
    stride = wider;
  };
  const forget = () => {
    const g = gens.shift()!;
    for (let b = 0; b < blocks; b++) bits.fill(0, (b * stride + g.slot) * WORDS_PER_BLOCK, (b * stride + g.slot + 1) * WORDS_PER_BLOCK);
    freeSlots.push(g.slot);
    return g;
  };
  return {
    add(id, at) {
      let g = gens.at(-1);
      if (g === undefined || g.count >= opts.capacity || at - g.first > opts.spanMs) {
        if (freeSlots.length === 0 && stride < maxGenerations) grow();
        // Full: the oldest goes, and what it held is vouched for by `floor` (a look-up more, never fewer).
        if (freeSlots.length === 0) floor = Math.max(floor, forget().newest);
        g = { slot: freeSlots.pop()!, count: 0, first: at, newest: Math.max(at, g?.newest ?? 0) };
        gens.push(g);
      }
      hash(id);
      const at0 = (blockOf() * stride + g.slot) * WORDS_PER_BLOCK;
      for (let i = 0; i < WORDS_PER_BLOCK; i++) bits[at0 + i]! |= mask[i]!;
      g.count++;
      if (at > g.newest) g.newest = at;
    },
    droppedAt(id) {
      if (gens.length === 0) return floor;
      hash(id);
      const row = blockOf() * stride;
      // Newest first: its `newest` is at least every older generation's.
      for (let i = gens.length - 1; i >= 0; i--) if (has((row + gens[i]!.slot) * WORDS_PER_BLOCK)) return Math.max(floor, gens[i]!.newest);
      return floor;
    },
    expire(oldest) {
      while (gens.length > 0 && gens[0]!.newest < oldest) forget();
      if (floor < oldest) floor = 0;
      // Nothing left: the filters' memory goes too.
      if (gens.length === 0) {
        bits = new Uint32Array(0);
        stride = 0;
        freeSlots.length = 0;
      }
    },
    clear() {
      gens.length = 0;
      freeSlots.length = 0;
      bits = new Uint32Array(0);
      stride = 0;
      floor = 0;
    },
    get any() {
      return gens.length > 0 || floor > 0;
    },
    get bytes() {
      return bits.byteLength;
    },
  };
}
