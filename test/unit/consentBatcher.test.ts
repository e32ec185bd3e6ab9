import { describe, expect, it } from 'vitest';
import { createConsentBatcher } from '../../src/consent/consentBatcher.ts';

/** A read that records its calls and answers when released. */
function controlledRead() {
  const calls: Array<{ site: string; pids: string[]; release: () => void }> = [];
  const read = (site: string, pids: readonly string[]) =>
    new Promise<ReadonlyMap<string, number>>((resolve) => {
      calls.push({ site, pids: [...pids].sort(), release: () => resolve(new Map(pids.filter((p) => p !== '0').map((p) => [p, Number(p) % 16]))) });
    });
  return { calls, read };
}
// A few turns of the event loop: the batcher waits one, after the read in flight settles.
const turn = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

describe('createConsentBatcher', () => {
  it('reads the pids asked for in one turn together, once per site, and gives each caller the shared answer', async () => {
    const { calls, read } = controlledRead();
    const get = createConsentBatcher(read);
    const a = get('s1', ['1', '2']);
    const b = get('s1', ['2', '3']);
    const c = get('s2', ['4']);
    await turn();
    expect(calls.map((x) => [x.site, x.pids])).toEqual([
      ['s1', ['1', '2', '3']],
      ['s2', ['4']],
    ]);
    calls.forEach((x) => x.release());
    expect((await a).get('1')).toBe(1);
    expect((await b).get('3')).toBe(3);
    expect((await c).get('4')).toBe(4);
  });

  it('keeps one read per site in flight; what is asked meanwhile waits for it, then goes in one read', async () => {
    const { calls, read } = controlledRead();
    const get = createConsentBatcher(read);
    const first = get('s', ['1']);
    await turn();
    expect(calls).toHaveLength(1);
    const later = [get('s', ['5']), get('s', ['6']), get('s', ['5'])];
    await turn();
    expect(calls).toHaveLength(1); // still waiting on the first read
    calls[0]!.release();
    await first;
    await turn();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.pids).toEqual(['5', '6']);
    calls[1]!.release();
    const answers = await Promise.all(later);
    expect(answers.map((m) => [m.get('5'), m.get('6')])).toEqual([
      [5, 6],
      [5, 6],
      [5, 6],
    ]);
  });

  it('a failed read fails its callers only; the next batch still runs', async () => {
    let n = 0;
    const get = createConsentBatcher(async (_site, pids) => {
      if (n++ === 0) throw new Error('clickhouse down');
      return new Map(pids.map((p) => [p, 1]));
    });
    await expect(get('s', ['1'])).rejects.toThrow('clickhouse down');
    expect((await get('s', ['2'])).get('2')).toBe(1);
  });
});
