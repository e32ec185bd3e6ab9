// The scan refusing deep inputs before graphql-js recurses: what it counts and what it skips.
import { describe, expect, it } from 'vitest';
import { nestsDeeper } from '../../src/graphql/queryLimits.ts';

describe('nestsDeeper', () => {
  it('counts {, [ and ( together, GraphQL or JSON', () => {
    expect(nestsDeeper('{ a(b: [{ c: 1 }]) { d } }', 4)).toBe(false);
    expect(nestsDeeper('{ a(b: [{ c: [1] }]) { d } }', 4)).toBe(true);
    expect(nestsDeeper('{"variables":{"f":[[1]]}}', 4)).toBe(false);
    expect(nestsDeeper('{"variables":{"f":[[[1]]]}}', 4)).toBe(true);
    expect(nestsDeeper(`${'['.repeat(10_000)}${']'.repeat(10_000)}`, 64)).toBe(true);
  });

  it('counts depth, not the number of brackets', () => {
    expect(nestsDeeper('[1] '.repeat(10_000), 1)).toBe(false);
    // Closing brackets beyond the opened ones do not buy depth later.
    expect(nestsDeeper(`${']'.repeat(100)}[[[`, 2)).toBe(true);
  });

  it('skips strings, escaped quotes, block strings and comments', () => {
    expect(nestsDeeper('{ a(s: "[[[[[[") }', 2)).toBe(false);
    expect(nestsDeeper('{ a(s: "\\"[[[[[[") }', 2)).toBe(false);
    expect(nestsDeeper('{ a(s: """ [[[[ \\""" [[[[ """) }', 2)).toBe(false);
    expect(nestsDeeper('{ a # [[[[[[\n }', 1)).toBe(false);
    expect(nestsDeeper('{"q":"{ a { b { c } } }","x":"\\\\"}', 1)).toBe(false);
    // After a string, counting resumes.
    expect(nestsDeeper('{ a(s: "x") { b { c } } }', 2)).toBe(true);
    expect(nestsDeeper('{ a(s: """x""") { b { c } } }', 2)).toBe(true);
  });
});
