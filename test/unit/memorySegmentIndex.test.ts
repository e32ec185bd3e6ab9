// The embedded index cannot lose data while the process lives, but starts empty: until a repair has
// loaded a site and marked it whole, a look-up must say so (the caller answers from ClickHouse, degraded)
// rather than answer "no segments".
import { describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../src/cache/memoryCache.ts';
import { createMemorySegmentIndex, FENCE_KEY, FencedError, IndexIncompleteError } from '../../src/segments/segmentIndex.ts';

describe('the in-memory segment index', () => {
  it('refuses look-ups until the site is marked whole, then answers from it', async () => {
    const cache = createMemoryCache();
    const index = createMemorySegmentIndex(cache);
    const fence = await cache.incr(FENCE_KEY);
    await expect(index.lookup('s', '1')).rejects.toBeInstanceOf(IndexIncompleteError);
    await index.add('s', 'seg_a', '10', ['1', '2']);
    await index.activate('s', 'seg_a', '10', fence);
    // Live, but not yet known whole: another live segment could still be missing.
    await expect(index.lookup('s', '1')).rejects.toBeInstanceOf(IndexIncompleteError);
    expect(await index.markWhole('s', new Map([['seg_a', '10'], ['seg_b', '7']]), fence)).toEqual(['seg_b']);
    expect(await index.isWhole('s')).toBe(false);
    await index.add('s', 'seg_b', '7', []);
    await index.activate('s', 'seg_b', '7', fence);
    expect(await index.markWhole('s', new Map([['seg_a', '10'], ['seg_b', '7']]), fence)).toEqual([]);
    expect(await index.isWhole('s')).toBe(true);
    expect(await index.lookup('s', '1')).toEqual({ consent: undefined, segments: ['seg_a'] });
    await expect(index.lookup('other', '1')).rejects.toBeInstanceOf(IndexIncompleteError);
  });

  it('marking whole takes out segments ClickHouse no longer names, and refuses a stale fencing token', async () => {
    const cache = createMemoryCache();
    const index = createMemorySegmentIndex(cache);
    const stale = await cache.incr(FENCE_KEY);
    await index.add('s', 'seg_gone', '1', ['1']);
    await index.activate('s', 'seg_gone', '1', stale);
    const fence = await cache.incr(FENCE_KEY);
    await expect(index.markWhole('s', new Map(), stale)).rejects.toBeInstanceOf(FencedError);
    expect(await index.markWhole('s', new Map(), fence)).toEqual([]);
    expect(await index.lookup('s', '1')).toEqual({ consent: undefined, segments: [] });
    expect(await index.liveVersions('s')).toEqual(new Map());
  });
});
