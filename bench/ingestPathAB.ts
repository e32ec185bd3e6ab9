// An A/B of the collector's per-request path without HTTP between two checkouts, in one process and
// interleaved round by round: ingest() with its real reducers (HMAC pseudonym, user agent, geo), the visit
// assigner on the in-process state store and a real spool (group commit, fdatasync); sites and erasures
// from memory. Requests of ingestCpu.ts's bodies, `concurrent` in flight. Prints the main thread's CPU per
// event (process.threadCpuUsage) of each side, the medians and the median of the paired differences (B − A).
//   node bench/ingestPathAB.ts <rootA> <rootB> [case=single] [rounds=14]     (case: single, batch, cookieless)
// cookieless: batches without a cookie (the day's visitor hash, no pseudonym), each request from its own
// address, so its 500 hits are one visitor's visit.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IngestDeps, IngestResult } from '../src/collect/ingest.ts';
import type { RequestTraits } from '../src/privacy/toEventRow.ts';
import type { Site } from '../src/sites/siteStore.ts';
import { interleavedAB } from './interleavedAB.ts';

const [rootA, rootB, kind = 'single', roundsArg = '14'] = process.argv.slice(2);
if (rootA === undefined || rootB === undefined) throw new Error('usage: node bench/ingestPathAB.ts <rootA> <rootB> [single|batch|cookieless] [rounds]');

type Ingest = (batch: readonly unknown[], traits: RequestTraits, deps: IngestDeps) => Promise<IngestResult>;
interface Side {
  ingest: Ingest;
  deps: IngestDeps;
  dir: string;
}

const SITE: Site = { id: 'bench', name: 'Bench', hostnames: ['bench.example'], timezone: 'UTC', kAnonymity: 0, retentionDays: 395, defaultConsent: 7, createdAt: '2026-01-01 00:00:00.000' };
const KEY = randomBytes(32);

async function load(root: string): Promise<Side> {
  const src = path.resolve(root, 'src');
  const m = async <T>(file: string) => (await import(`${src}/${file}`)) as T;
  const { ingest } = await m<{ ingest: Ingest }>('collect/ingest.ts');
  const { createReducers } = await m<typeof import('../src/privacy/reducers.ts')>('privacy/reducers.ts');
  const { createPseudonymiser } = await m<typeof import('../src/privacy/pseudonymiser.ts')>('privacy/pseudonymiser.ts');
  const { createMemoryCache } = await m<typeof import('../src/cache/memoryCache.ts')>('cache/memoryCache.ts');
  const { createMetrics } = await m<typeof import('../src/observability/metrics.ts')>('observability/metrics.ts');
  const { Spool } = await m<typeof import('../src/pipeline/spool.ts')>('pipeline/spool.ts');
  const { createVisitAssigner } = await m<typeof import('../src/visits/visitAssigner.ts')>('visits/visitAssigner.ts');
  const { memoryVisitStateStore } = await m<typeof import('../src/visits/visitStateStore.ts')>('visits/visitStateStore.ts');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-ingestab-'));
  const state = memoryVisitStateStore({ keepMs: 2 * 3_600_000, maxVisitors: 200_000 });
  await state.load([], Date.now() - 2 * 3_600_000);
  const deps = {
    sites: { peek: (id: string) => (id === SITE.id ? SITE : undefined), get: async (id: string) => (id === SITE.id ? SITE : undefined) },
    reducers: createReducers(createPseudonymiser({ pseudonymKeys: new Map([[1, KEY]]), currentKeyVersion: 1 }, createMemoryCache())),
    spool: await Spool.open({ dir, maxBytes: 2 ** 40 }),
    consents: {},
    erasures: { erasedAt: () => undefined },
    metrics: createMetrics(),
    // Never asked: the state store is complete for the hits' times (loaded empty two hours back).
    visits: { assigner: createVisitAssigner({ store: {} as never, state, maxFutureMs: 5 * 60_000 }) },
  } as unknown as IngestDeps;
  return { ingest, deps, dir };
}

// ingestCpu.ts's bodies, parsed: every request names other visitors (new ones).
const cookieless = kind === 'cookieless';
const hit = (i: number) => ({ site: 'bench', url: `https://bench.example/p/${i % 50}?utm_source=x`, cid: cookieless ? undefined : `cookie-${i}`, screen: '1920x1080', lang: 'ru-RU' });
const TRAITS: RequestTraits = { ip: '127.0.0.1', userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', cookieId: undefined };
const batched = kind === 'batch' || cookieless;
const perRequest = batched ? 500 : 1;
const concurrent = batched ? 16 : 32;
const eventsPerRound = batched ? 16 * 500 * 4 : 32 * 300;
let request = 0;
let next = 0;

async function round(side: Side): Promise<number> {
  const t0 = process.threadCpuUsage();
  for (let done = 0; done < eventsPerRound; done += concurrent * perRequest) {
    const waits: Array<Promise<IngestResult>> = [];
    for (let c = 0; c < concurrent; c++) {
      const events = Array.from({ length: perRequest }, () => hit(next++));
      const traits = cookieless ? { ...TRAITS, ip: `10.${(request >> 16) & 255}.${(request >> 8) & 255}.${request & 255}` } : TRAITS;
      request++;
      waits.push(side.ingest(events, traits, side.deps));
    }
    for (const r of await Promise.all(waits)) if (r.accepted !== perRequest) throw new Error(`refused: ${JSON.stringify(r.rejected[0])}`);
  }
  const t = process.threadCpuUsage(t0);
  return (t.user + t.system) / eventsPerRound;
}

const sides = [await load(rootA), await load(rootB)] as const;
await interleavedAB(sides, {
  kind,
  rounds: Number(roundsArg),
  round,
  // Not delivered here: the segments are dropped between rounds.
  between: async (side) => {
    await side.deps.spool.rotate();
    for (const seg of [...side.deps.spool.queued]) await side.deps.spool.ack(seg);
  },
});
for (const s of sides) fs.rmSync(s.dir, { recursive: true, force: true });
process.exit(0);
