import { describe, expect, it } from 'vitest';
import { droppedVisitors } from '../../src/visits/droppedVisitors.ts';

const HOUR = 3_600_000;
const id = (i: number) => `bench\u0000p${(1_000_003n * BigInt(i) + 77n).toString()}`;

describe('the visitors dropped for room', () => {
  it('never forgets a dropped visitor (no false negatives) over 2.5 M drops, and says when it was dropped', () => {
    const d = droppedVisitors({ capacity: 100_000, spanMs: HOUR / 8 });
    const N = 2_500_000;
    // Drops one millisecond apart: a generation fills (100 000) before its span (7.5 min) ends.
    for (let i = 0; i < N; i++) d.add(id(i), 1_000_000 + i);
    let missed = 0;
    let early = 0;
    for (let i = 0; i < N; i += 7) {
      const at = d.droppedAt(id(i));
      if (at === 0) missed++;
      else if (at < 1_000_000 + i) early++;
    }
    expect(missed).toBe(0);
    // The visitor's own `since` is never earlier than the write it lost.
    expect(early).toBe(0);
    // 25 generations of 300 KB: under the 32 kept, nothing forgotten for room; room for 32 at most.
    expect(d.bytes).toBe(32 * Math.ceil((100_000 * 24) / 512) * 64);
  });

  it('has a false-positive rate far under 1 % for 1 M never-dropped visitors after 3 M drops', () => {
    const d = droppedVisitors({ capacity: 100_000, spanMs: HOUR / 8 });
    for (let i = 0; i < 3_000_000; i++) d.add(id(i), 1_000_000 + i);
    let positives = 0;
    for (let i = 0; i < 1_000_000; i++) if (d.droppedAt(`bench\u0000q${i}`) > 0) positives++;
    // 30 full generations at 24 bits per member: about 7 × 10⁻⁵ each, 2 × 10⁻³ for all (docs/visits.md).
    expect(positives / 1_000_000).toBeLessThan(0.003);
  });

  it('remembers at most 32 generations: older drops are then vouched for by a floor, never forgotten', () => {
    const d = droppedVisitors({ capacity: 65_536, spanMs: HOUR });
    const N = 40 * 65_536;
    for (let i = 0; i < N; i++) d.add(id(i), 1_000_000 + i);
    expect(d.bytes).toBe(32 * 65_536 * 3);
    // The first 8 generations were let go: their visitors' time is the floor, the newest they held.
    const floor = 1_000_000 + 8 * 65_536 - 1;
    expect(d.droppedAt(id(0))).toBe(floor);
    expect(d.droppedAt(id(8 * 65_536 - 1))).toBe(floor);
    expect(d.droppedAt('never dropped')).toBe(floor);
    // A later one still has its own generation's time.
    expect(d.droppedAt(id(N - 1))).toBe(1_000_000 + N - 1);
  });

  it('starts a generation per span of time and lets go of those older than the memory span', () => {
    let t = 10 * HOUR;
    const d = droppedVisitors({ capacity: 65_536, spanMs: HOUR / 16 });
    expect(d.any).toBe(false);
    expect(d.droppedAt('a')).toBe(0);
    d.add('a', t);
    t += HOUR / 8;
    d.add('b', t);
    // Each in its own generation: a's time is its own, not b's.
    expect(d.droppedAt('a')).toBe(10 * HOUR);
    expect(d.droppedAt('b')).toBe(t);
    const one = d.bytes;
    expect(one).toBe(2 * Math.ceil((65_536 * 24) / 512) * 64);
    // Two hours on, a's generation expires; b's is kept while it holds a drop within the span.
    d.expire(10 * HOUR + 1);
    expect(d.droppedAt('a')).toBe(0);
    expect(d.droppedAt('b')).toBe(t);
    d.expire(t + 1);
    expect(d.any).toBe(false);
    expect(d.droppedAt('b')).toBe(0);
    // None left: the memory goes too.
    expect(d.bytes).toBe(0);
    d.add('c', t + 2);
    expect(d.bytes).toBe(one / 2);
    expect(d.droppedAt('c')).toBe(t + 2);
    d.clear();
    expect(d.any).toBe(false);
    expect(d.droppedAt('c')).toBe(0);
  });

  it('answers a visitor dropped twice with its later drop', () => {
    const d = droppedVisitors({ capacity: 65_536, spanMs: 1000 });
    d.add('a', 5_000);
    d.add('x', 10_000);
    d.add('a', 20_000);
    expect(d.droppedAt('a')).toBe(20_000);
    expect(d.droppedAt('x')).toBe(10_000);
  });
});
