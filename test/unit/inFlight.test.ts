// Single flight (src/stats/inFlight.ts): one computation per key while it runs; every asker gets its
// value or its error; nothing kept once it settles.
import { describe, expect, it } from 'vitest';
import { createInFlight } from '../../src/stats/inFlight.ts';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('inFlight', () => {
  it('a second asker of the same key joins: computed once, both get the value; the entry goes once settled', async () => {
    const flight = createInFlight<number>();
    const d = deferred<number>();
    let computed = 0;
    const compute = () => {
      computed += 1;
      return d.promise;
    };
    const a = flight.once('k', compute);
    const b = flight.once('k', compute);
    expect([a.joined, b.joined]).toEqual([false, true]);
    expect(flight.size).toBe(1);
    d.resolve(42);
    expect(await Promise.all([a.answer, b.answer])).toEqual([42, 42]);
    expect(computed).toBe(1);
    expect(flight.size).toBe(0);
    // Settled: the next asker computes anew (the cache, not this map, keeps answers).
    const c = flight.once('k', () => Promise.resolve(7));
    expect(c.joined).toBe(false);
    expect(await c.answer).toBe(7);
  });

  it('an error reaches every asker and is not kept', async () => {
    const flight = createInFlight<number>();
    const d = deferred<number>();
    const a = flight.once('k', () => d.promise);
    const b = flight.once('k', () => Promise.resolve(1));
    d.reject(new Error('engine failed'));
    await expect(a.answer).rejects.toThrow('engine failed');
    await expect(b.answer).rejects.toThrow('engine failed');
    expect(flight.size).toBe(0);
    expect(await flight.once('k', () => Promise.resolve(2)).answer).toBe(2);
  });

  it('other keys do not join; a compute that throws at once is an error of its answer', async () => {
    const flight = createInFlight<string>();
    const d = deferred<string>();
    const a = flight.once('site-a:q', () => d.promise);
    const b = flight.once('site-b:q', () => Promise.resolve('b'));
    expect(b.joined).toBe(false);
    expect(await b.answer).toBe('b');
    d.resolve('a');
    expect(await a.answer).toBe('a');
    const thrown = flight.once('x', () => {
      throw new Error('bad');
    });
    await expect(thrown.answer).rejects.toThrow('bad');
    expect(flight.size).toBe(0);
  });
});
