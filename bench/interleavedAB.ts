// An A/B of two checkouts loaded in one process (bench/ingestPathAB.ts, bench/recordPathAB.ts): a warm-up
// round each, then rounds interleaved A B, B A, … so that both sides meet the same minutes of a shared
// machine; prints each side's median and the median of the paired differences (main-thread CPU per event).
export interface InterleavedAB<S> {
  kind: string;
  rounds: number;
  /** One round of a side: main-thread µs per event. */
  round: (side: S) => Promise<number>;
  /** After each measured round (e.g. drop what it spooled). */
  between: (side: S) => Promise<void>;
}

export async function interleavedAB<S>(sides: readonly [S, S], o: InterleavedAB<S>): Promise<void> {
  for (const s of sides) await o.round(s);
  const us: [number[], number[]] = [[], []];
  for (let i = 0; i < o.rounds; i++) {
    for (const k of i % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const)) {
      us[k].push(await o.round(sides[k]));
      await o.between(sides[k]);
    }
  }
  const med = (a: readonly number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  const diffs = us[0].map((a, i) => us[1][i]! - a);
  const list = (xs: readonly number[]) => xs.map((x) => x.toFixed(1)).join(' ');
  console.log(`${o.kind}: main-thread CPU per event, A ${med(us[0]).toFixed(2)} µs [${list(us[0])}], B ${med(us[1]).toFixed(2)} µs [${list(us[1])}]`);
  console.log(`B − A paired median ${med(diffs).toFixed(2)} µs, B lower in ${diffs.filter((d) => d < 0).length} of ${diffs.length} rounds`);
}
