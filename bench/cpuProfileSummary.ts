// Self time of a V8 CPU profile (`BENCH_PROFILE=dir npm run bench:ingest` writes one of the service) by
// module and by function, the largest first:
//   node bench/cpuProfileSummary.ts dir/CPU.….cpuprofile [modules=25] [functions=40]
// "(idle)" is the main thread waiting (for an fdatasync, a socket, chDB's own threads); chDB's insert and
// the kernel's fdatasync run on other threads and are not in the profile.
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, modules = '25', functions = '40'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: node bench/cpuProfileSummary.ts FILE.cpuprofile [modules] [functions]');
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const moduleOf = (url: string): string => {
  if (url === '') return '(native)';
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/((src|bench)\/.*)$/.exec(url);
  return own ? own[1]! : url;
};
const byModule = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, t] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const m = moduleOf(url);
  byModule.set(m, (byModule.get(m) ?? 0) + t);
  const f = `${functionName || '(anonymous)'} ${m}:${lineNumber + 1}`;
  byFunction.set(f, (byFunction.get(f) ?? 0) + t);
}
const top = (m: Map<string, number>, n: number) =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`).join('\n');
console.log(`${(total / 1e6).toFixed(1)} s sampled\n\nby module\n${top(byModule, Number(modules))}\n\nby function\n${top(byFunction, Number(functions))}`);
