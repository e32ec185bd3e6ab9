// The machine's own latency floor for bench:segments' p99 rows: bench/bareServer.ts (node:http answering
// 204, no Redis, no service) pinned to the server core, paced at the look-ups' rate in rounds, with who
// used each core during each round (corePinning.ts). With both cores mostly idle and no other process on
// either, what the rounds' p99 still spread over is the machine's, not any server's (docs/performance.md
// "pacedfloor").
//   node bench/pacedFloor.ts [rounds=8] [seconds=3] [rate=1000]
import { startChild, stopAll } from './benchChild.ts';
import { generatorCoreUse, pinSelf, pinningNote, serverCoreUse, type CoreUse } from './corePinning.ts';
import { pacedLoad } from './pacedLoad.ts';

const [rounds, seconds, rate] = process.argv.slice(2, 5).map(Number);
const ROUNDS = rounds || 8;
const SECONDS = seconds || 3;
const RATE = rate || 1000;
for (const [name, v] of [['rounds', ROUNDS], ['seconds', SECONDS], ['rate', RATE]] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: expected a whole number of at least 1, got ${v}`);
}

const pct = (x: number) => `${Math.round(100 * x)} %`.padStart(5);
const uses = (u: CoreUse) => `ours ${pct(u.ours)}  interrupts ${pct(u.interrupts)}  other processes ${pct(u.others)}  stolen ${pct(u.steal)}`;

const pinned = pinSelf();
const server = await startChild(['bench/bareServer.ts'], {}, { ready: /listening (\d+)/, pin: true });
try {
  console.log(`paced floor: bare node:http 204 at ${RATE.toLocaleString('en')} req/s, ${ROUNDS} rounds of ${SECONDS} s; ${pinningNote(pinned)}`);
  const p99s: number[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const onServer = serverCoreUse();
    const onGenerator = generatorCoreUse();
    const res = await pacedLoad(`http://127.0.0.1:${server.port}`, () => ({ path: '/' }), RATE, SECONDS);
    const s = onServer();
    const g = onGenerator();
    p99s.push(res.p99);
    console.log(`round ${r}  p50 ${res.p50} ms  p99 ${String(res.p99).padStart(5)} ms  max ${String(res.max).padStart(5)} ms  timer late p99 ${res.timerLateP99} ms${res.failed > 0 ? `  ${res.failed} failed` : ''}`);
    console.log(`         server core: ${uses(s)}`);
    console.log(`         generator core: ${uses(g)}`);
  }
  const sorted = [...p99s].sort((a, b) => a - b);
  console.log(`p99 over the rounds: ${sorted[0]}–${sorted.at(-1)} ms, median ${sorted[Math.floor(sorted.length / 2)]} ms`);
} finally {
  await server.stop();
  stopAll();
}
