import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TableSnapshot } from '../../src/store/tableSnapshot.ts';

/** A read that returns the next value and counts its calls; `fail` makes the next one throw. */
function reader() {
  let n = 0;
  const state = { calls: 0, fail: false };
  const read = async () => {
    state.calls++;
    if (state.fail) throw new Error('down');
    return ++n;
  };
  return { read, state };
}

describe('TableSnapshot', () => {
  it('peek gives nothing before the first read, then the copy without a promise', async () => {
    const { read, state } = reader();
    const s = new TableSnapshot(read, 0, { refreshMs: 60_000 });
    expect(s.peek()).toBeUndefined();
    expect(await s.fresh()).toBe(1);
    expect(s.peek()).toBe(1);
    expect(state.calls).toBe(1);
  });

  it('a listing re-reads each time, unless the copy is whole (never re-read on a timer): then it reads once', async () => {
    const timed = reader();
    const t = new TableSnapshot(timed.read, 0, { refreshMs: 60_000 });
    expect([await t.listing(), await t.listing()]).toEqual([1, 2]);
    expect(timed.state.calls).toBe(2);
    const whole = reader();
    const w = new TableSnapshot(whole.read, 0, { refreshMs: Number.POSITIVE_INFINITY });
    expect([await w.listing(), await w.listing()]).toEqual([1, 1]);
    expect(whole.state.calls).toBe(1);
  });

  // The clock is faked (Date only), so ages are exact; the reads are plain promises.
  const at = (ms: number) => vi.setSystemTime(ms);
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('past half of refreshMs the copy serves at once and is re-read in the background', async () => {
    const { read, state } = reader();
    const s = new TableSnapshot(read, 0, { refreshMs: 5_000 });
    await s.reload();
    at(1_002_000);
    expect(s.peek()).toBe(1);
    expect(state.calls).toBe(1); // young enough: no re-read
    at(1_003_000);
    expect(s.peek()).toBe(1); // the copy in hand, not a wait
    expect(state.calls).toBe(2); // and a re-read started
    await new Promise((r) => setImmediate(r));
    expect(s.peek()).toBe(2);
  });

  it('past refreshMs the copy is not served until re-read: a change elsewhere is seen within refreshMs', async () => {
    const { read, state } = reader();
    const s = new TableSnapshot(read, 0, { refreshMs: 5_000 });
    await s.reload();
    at(1_000_000 + 3_600_000); // idle for an hour
    expect(s.peek()).toBeUndefined();
    expect(await s.fresh()).toBe(2);
    expect(state.calls).toBe(2);
    expect(s.peek()).toBe(2);
  });

  it('while re-reads fail the last copy keeps serving, without waiting each time', async () => {
    const { read, state } = reader();
    const s = new TableSnapshot(read, 0, { refreshMs: 5_000 });
    await s.reload();
    state.fail = true;
    at(1_010_000);
    expect(await s.fresh()).toBe(1); // the failed re-read keeps the copy
    at(1_012_000);
    expect(s.peek()).toBe(1); // failed within refreshMs: served without a wait (and re-read in the background)
    await new Promise((r) => setImmediate(r)); // which fails too
    at(1_018_000);
    state.fail = false;
    expect(s.peek()).toBeUndefined(); // and waited for again once that is past
    expect(await s.fresh()).toBe(2);
  });
});
