// The service the statistics probes (firstRequestProbe.ts, rowsProbe.ts) replay against: bench:stats' data
// in a data directory of their own, or in PROBE_DIR, kept there (with the site's key) for the next run.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startService } from '../src/service.ts';
import { freePort } from '../test/support/ports.ts';
import { removeTempDirs, tempDir } from '../test/support/testService.ts';
import { deriveBenchVisits } from './benchVisits.ts';
import { benchGraphql, createBenchSite, generateBenchEvents } from './statsBenchData.ts';

/** The service over `events` generated events (their visits formed), its config and GraphQL client, the key, the 30 days' range. */
export async function openProbeService(prefix: string, events: number) {
  // A directory of its own unless PROBE_DIR names one to keep: removed however the probe ends.
  const dir = process.env.PROBE_DIR ?? tempDir(prefix);
  process.on('exit', removeTempDirs);
  const fresh = !fs.existsSync(path.join(dir, 'key'));
  const config = loadConfig({ CALYPSO_DATA_DIR: dir, CALYPSO_LOG_LEVEL: 'warn', PORT: String(await freePort()) });
  const svc = await startService(config, { role: 'all', log: createLogger(config) });
  const gql = benchGraphql(svc);
  let key: string;
  if (fresh) {
    key = await createBenchSite(svc, gql);
    await generateBenchEvents(svc, events, Math.max(1_000, Math.round(events / 10)));
    await deriveBenchVisits(svc.store);
    fs.writeFileSync(path.join(dir, 'key'), key);
  } else key = fs.readFileSync(path.join(dir, 'key'), 'utf8');
  const to = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
  return { dir, config, svc, gql, key, from, to };
}
