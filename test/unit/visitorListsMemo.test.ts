// A site whose statistics query outgrew the visitor lists' memory bound is asked with uniq states for a
// while (visitorLists.ts): for that site only, and only until the memo's time is up.
import { describe, expect, it } from 'vitest';
import { createVisitorListsMemo } from '../../src/stats/visitorLists.ts';

describe('visitor lists memo', () => {
  it('refuses the lists to a site for its ttl, then allows them again', () => {
    let t = 1_000;
    const memo = createVisitorListsMemo(60_000, () => t);
    expect(memo.allowed('big')).toBe(true);
    memo.refused('big');
    expect(memo.allowed('big')).toBe(false);
    expect(memo.allowed('small')).toBe(true);
    t += 59_999;
    expect(memo.allowed('big')).toBe(false);
    t += 1;
    expect(memo.allowed('big')).toBe(true);
    // A refusal again starts a new period.
    memo.refused('big');
    t += 30_000;
    expect(memo.allowed('big')).toBe(false);
  });
});
