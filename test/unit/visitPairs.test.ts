import { describe, expect, it } from 'vitest';
import { unionPairs, VISIT_PAIRS_MAX, type VisitPairs } from '../../src/visits/visitPairs.ts';

const one = (path: string, name = ''): VisitPairs => ({ hit_paths: [path], hit_names: [name], hit_pairs: 1 });

describe('unionPairs', () => {
  it('keeps each distinct (path, name) pair once, a path with two names twice', () => {
    let v = one('/a');
    for (const h of [one('/a'), one('/b'), one('/a', 'click'), one('/b')]) v = { ...v, ...unionPairs(v, h) };
    expect(v).toEqual({ hit_paths: ['/a', '/b', '/a'], hit_names: ['', '', 'click'], hit_pairs: 1 });
  });

  it('gives up its pairs past the cap, and stays so', () => {
    let v = one('/0');
    for (let i = 1; i < VISIT_PAIRS_MAX; i++) v = { ...v, ...unionPairs(v, one(`/${i}`)) };
    expect(v.hit_pairs).toBe(1);
    expect(v.hit_paths.length).toBe(VISIT_PAIRS_MAX);
    const over = unionPairs(v, one('/new'));
    expect(over).toEqual({ hit_paths: [], hit_names: [], hit_pairs: 2 });
    expect(unionPairs(over, one('/0')).hit_pairs).toBe(2);
    expect(unionPairs(one('/0'), over).hit_pairs).toBe(2);
  });

  it('stays unknown when either side is (a row from before the pairs, or an older collector\'s state without the fields)', () => {
    const before = { hit_paths: [], hit_names: [], hit_pairs: 0 as const };
    expect(unionPairs(before, one('/a')).hit_pairs).toBe(0);
    expect(unionPairs(one('/a'), {}).hit_pairs).toBe(0);
    expect(unionPairs({ hit_pairs: 2 }, before).hit_pairs).toBe(0);
  });

  it('never changes its arguments', () => {
    const a = one('/a');
    unionPairs(a, one('/b'));
    expect(a).toEqual(one('/a'));
  });
});
