import { describe, expect, it } from 'vitest';
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

  it('a stale copy still serves at once and is re-read in the background', async () => {
    const { read, state } = reader();
    const s = new TableSnapshot(read, 0, { refreshMs: 0 });
    await s.reload();
    await new Promise((r) => setTimeout(r, 2));
    expect(s.peek()).toBe(1); // the copy in hand, not a wait
    expect(state.calls).toBe(2); // and a re-read started
    await new Promise((r) => setImmediate(r));
    expect(s.value).toBe(2);
  });

  it('a failed background re-read keeps the copy', async () => {
    const { read, state } = reader();
    const s = new TableSnapshot(read, 0, { refreshMs: 0 });
    await s.reload();
    state.fail = true;
    await new Promise((r) => setTimeout(r, 2));
    expect(s.peek()).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(s.peek()).toBe(1);
  });
});
