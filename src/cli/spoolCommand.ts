// `calypso spool redeliver [--table T]`: after an operator fixed why a spool set data aside (the
// .reason files in data/spool/<table>/failed/), puts it back in the spool. It works on the data
// directory and needs no engine, so it runs whether Calypso is stopped or not: the next start delivers
// what it moved back (deduplicated by the tokens the files keep). See README, Durability.
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { Config } from '../config/config.ts';
import { redeliverTable, type RedeliverSummary } from '../pipeline/redeliver.ts';
import { SPOOLED_TABLES as TABLES } from '../pipeline/spooledTable.ts';

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** True when something answers /healthz on the configured port (a running Calypso keeps its spool open). */
async function serviceAnswers(config: Config): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${config.port}/healthz`, { signal: AbortSignal.timeout(500) });
    return res.ok;
  } catch {
    return false;
  }
}

export function redeliver(config: Config, tables: readonly string[], out: (line: string) => void): RedeliverSummary[] {
  const root = path.join(config.dataDir, 'spool');
  const summaries: RedeliverSummary[] = [];
  for (const table of tables) {
    const s = redeliverTable(root, table, (p) => out(`  ${p.table}: ${p.kind} ${p.file} (${p.bytes} bytes) back in the spool`));
    for (const k of s.skipped) out(`  ${table}: left ${k.file}: ${k.why}`);
    summaries.push(s);
  }
  return summaries;
}

export function addSpoolCommands(program: Command, configOrExit: () => Config): void {
  const spool = program.command('spool').description('the local spools of data not yet in ClickHouse');
  spool
    .command('redeliver')
    .description('put the segments and records a spool set aside (spool/<table>/failed/) back in the spool, once their cause is fixed; the next start delivers them, once')
    .addOption(new Option('--table <table>', 'only this table').choices(TABLES))
    .action(async (opts: { table?: string }) => {
      const config = configOrExit();
      const out = (line: string) => process.stdout.write(`${line}\n`);
      let summaries: RedeliverSummary[];
      try {
        summaries = redeliver(config, opts.table === undefined ? TABLES : [opts.table], out);
      } catch (err) {
        process.stderr.write(`calypso: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      }
      let moved = 0;
      for (const s of summaries) {
        moved += s.segments + s.records;
        out(`${s.table}: ${s.segments} segments and ${s.records} records (${mib(s.bytes)}) put back${s.skipped.length > 0 ? `; ${s.skipped.length} left in failed/` : ''}`);
      }
      if (moved === 0) out('nothing was set aside');
      else if (await serviceAnswers(config)) out(`Calypso is running on port ${config.port}: restart it to deliver them (a running service reads its spool at start)`);
      else out('they are delivered at the next start');
      if (summaries.some((s) => s.skipped.length > 0)) process.exitCode = 1;
    });
}
