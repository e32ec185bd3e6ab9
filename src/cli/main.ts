// The `calypso` command line: start, migrate, import, demo, site, key, segment, spool. Exit codes: 0 ok, 1 runtime failure, 2 bad configuration.
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, pinnedMallocEnv, ROLES, type Config, type Role } from '../config/config.ts';
import { createLogger, flushStdout, type Logger } from '../observability/logger.ts';
import { URL_HELP } from './cliOutput.ts';
import type { ServiceClient } from './serviceClient.ts';
import { positiveInt } from './positiveInt.ts';
import { addKeyCommands } from './keyCommand.ts';
import { addSegmentCommands } from './segmentCommand.ts';
import { addSiteCommands } from './siteCommand.ts';
import { addSpoolCommands } from './spoolCommand.ts';
import { explainStartupError } from './startupError.ts';

// The service and engine load only for commands that need them, so --help answers at once.
const service = () => import('../service.ts');

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`calypso: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Whether the role serves the dashboard (and GraphQL). */
const serves = (role: Role) => role === 'all' || role === 'api';

async function start(opts: { role: Role }): Promise<void> {
  // Once, before anything else runs: the allocator setting glibc reads at a process's start (config.ts).
  // process.execve is missing in worker threads; there the service runs as it is.
  const mallocEnv = pinnedMallocEnv();
  if (mallocEnv !== undefined && typeof process.execve === 'function') process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], mallocEnv);
  const config = configOrExit();
  const log = createLogger(config);
  let running;
  try {
    running = await (await service()).startService(config, { role: opts.role, log });
  } catch (err) {
    process.stderr.write(`calypso: ${explainStartupError(err, config)}\n`);
    process.exit(1);
  }
  if (running.secrets.generatedAdminKey) {
    // Shown once; the file keeps it for restarts (mode 0600). NOTE: deliberately not a log record.
    process.stdout.write(
      `\nCalypso generated an admin key (purpose ADMINISTRATION, every site). It is printed only this once;\n` +
        `it is kept in ${config.dataDir}/secrets/admin.key (mode 0600):\n\n  ${running.secrets.adminKey}\n\n` +
        (serves(opts.role) ? `Open the dashboard at ${running.url}/ and sign in with it.\n\n` : ''),
    );
  }
  process.stdout.write(`Calypso is serving on ${running.url} (role ${opts.role}); ${serves(opts.role) ? `dashboard at ${running.url}/, ` : ''}GraphQL at ${running.url}/graphql\n`);
  stopOnSignals(config, log, () => running.stop());
}

/** How long the last log lines may take to reach a slow stdout reader once the service has stopped. */
const FINAL_LOG_FLUSH_MS = 2_000;

/**
 * SIGTERM, SIGINT and SIGHUP stop the service gracefully, and so does the end of the parent process
 * when `exitWithParent` (run by an npm script). One signal often arrives twice: `kill -TERM -<group>`
 * and Ctrl-C reach npm and the service, and npm forwards its copy to the service as well. So a repeat
 * forces the exit (no flush) only when it comes a second or more after the first.
 */
function stopOnSignals(config: Config, log: Logger, stop: () => Promise<void>): void {
  let first: number | undefined;
  const shutdown = (reason: string) => {
    if (first !== undefined) {
      if (Date.now() - first < 1_000) return;
      process.exit(130);
    }
    first = Date.now();
    log.info({ reason }, 'stopping');
    stop().then(
      () => exitAfterLogs(0),
      (err: unknown) => {
        log.error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
        exitAfterLogs(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
  if (config.exitWithParent) {
    // Whoever started us is gone when we are handed to another parent (init or a subreaper): a killed
    // npm cannot forward anything, so the service notices by itself instead of running on as an orphan.
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(watch);
      shutdown(`parent process ${parent} exited`);
    }, 500);
    watch.unref();
  }
}

/** Exits once the buffered log lines are written, or after FINAL_LOG_FLUSH_MS if nobody reads them. */
function exitAfterLogs(code: number): void {
  void flushStdout(FINAL_LOG_FLUSH_MS).then(() => process.exit(code));
}

async function runMigrate(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config);
  try {
    const { store, cache } = await (await service()).openStorage(config, log);
    await Promise.allSettled([store.close(), cache.close()]);
    process.stdout.write('migrations are up to date\n');
  } catch (err) {
    process.stderr.write(`calypso: ${explainStartupError(err, config)}\n`);
    process.exit(1);
  }
}

/** Runs a command that talks to a running service; CLI errors print one line and exit 1. */
async function viaService(url: string | undefined, fn: (client: ServiceClient) => Promise<void>): Promise<void> {
  const config = configOrExit();
  try {
    const { adminKeyOf, createServiceClient } = await import('./serviceClient.ts');
    await fn(createServiceClient(url ?? `http://127.0.0.1:${config.port}`, adminKeyOf(config)));
  } catch (err) {
    process.stderr.write(`calypso: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

async function runImport(file: string, opts: { url?: string }): Promise<void> {
  await viaService(opts.url, async (client) => {
    const { importFile } = await import('./importCommand.ts');
    const started = Date.now();
    const s = await importFile(file, client, (p) => process.stderr.write(`\rimported ${p.accepted} events, ${p.refused.length} refused (line ${p.lines})`));
    process.stderr.write('\n');
    for (const r of s.refused.slice(0, 20)) process.stderr.write(`  line ${r.line}: ${r.error}\n`);
    if (s.refused.length > 20) process.stderr.write(`  … and ${s.refused.length - 20} more\n`);
    process.stdout.write(`${s.accepted} events imported into ${client.url} in ${((Date.now() - started) / 1000).toFixed(1)} s; ${s.refused.length} refused\n`);
    if (s.refused.length > 0) process.exitCode = 1;
  });
}

async function runDemo(opts: { url?: string; site: string; visitors: number; days: number }): Promise<void> {
  const { visitors, days } = opts;
  await viaService(opts.url, async (client) => {
    const { demoEvents } = await import('./demoTraffic.ts');
    const { importLines } = await import('./importCommand.ts');
    let host = `${opts.site}.calypso.example`;
    try {
      await client.graphql(`mutation($id: ID!, $h: String!) { createSite(id: $id, name: "Demo shop", hostnames: [$h]) { id } }`, { id: opts.site, h: host });
      process.stderr.write(`created site "${opts.site}" (${host})\n`);
    } catch (err) {
      if ((err as { code?: string }).code !== 'CONFLICT') throw err;
      // A site made beforehand (on the dashboard, say) has host names of its own: hits on any other host
      // would all be refused, so the demo's traffic goes to its first one.
      const { sites } = await client.graphql<{ sites: Array<{ id: string; hostnames: string[] }> }>('{ sites { id hostnames } }');
      host = sites.find((s) => s.id === opts.site)?.hostnames[0] ?? host;
      process.stderr.write(`site "${opts.site}" exists; adding traffic to it (${host})\n`);
    }
    const events = demoEvents({ site: opts.site, host, visitors, days });
    const lines = (function* () {
      for (const e of events) yield JSON.stringify(e);
    })();
    const { accepted: sent, refused } = await importLines(lines, client, (p) => process.stderr.write(`\rsent ${p.accepted} events`));
    process.stderr.write('\n');
    process.stdout.write(`${sent} demo events from ${visitors} visitors over ${days} days are in site "${opts.site}"\n`);
    if (refused.length > 0) process.stderr.write(`${refused.length} demo events refused, the first: ${refused[0]!.error}\n`);
    if (sent === 0) throw new Error(`no demo event was accepted into site "${opts.site}"`);
    // A key to read them with, so a newcomer signs in to the overview without writing createApiKey.
    const { createKey } = await import('./keyCommand.ts');
    const { secret, key } = await createKey(client, 'demo statistics', ['STATISTICS'], [opts.site]);
    process.stdout.write(
      `\nOpen the dashboard at ${client.url.replace(/\/+$/, '')}/ and sign in with this statistics key for site "${opts.site}"\n` +
        `(key ${key.id} "${key.name}"; printed only this once, Calypso keeps only its SHA-256):\n\n  ${secret}\n\n`,
    );
  });
}

export function buildCli(): Command {
  const program = new Command('calypso')
    .description('Calypso: privacy-enforcing web analytics and ad-targeting segments over GraphQL.\nConfiguration comes from the environment; see README.md.')
    .showHelpAfterError();
  program
    .command('start')
    .description('run the service (HTTP on PORT, default 4000): collector, GraphQL API and worker')
    .addOption(new Option('--role <role>', 'which part to run; roles other than "all" need CLICKHOUSE_URL and REDIS_URL').choices(ROLES).default('all'))
    .action(start);
  program.command('migrate').description('apply pending ClickHouse migrations and exit (start also does this)').action(runMigrate);
  program
    .command('import')
    .description('send historical events (one JSON event per line, any age; may carry "ip" and "ua") to a running Calypso')
    .argument('<file>', 'an NDJSON file')
    .option('--url <url>', URL_HELP)
    .action(runImport);
  program
    .command('demo')
    .description('generate realistic synthetic traffic for a site in a running Calypso; prints the dashboard address and a new statistics key for the site')
    .option('--url <url>', URL_HELP)
    .option('--site <id>', 'site id, created when missing', 'demo')
    .option('--visitors <n>', 'distinct visitors (1 to 1000000)', positiveInt('--visitors', 1_000_000), 3000)
    .option('--days <n>', 'days of history (1 to 365)', positiveInt('--days', 365), 60)
    .action(runDemo);
  addSiteCommands(program, viaService);
  addKeyCommands(program, viaService);
  addSegmentCommands(program, viaService);
  addSpoolCommands(program, configOrExit);
  return program;
}

await buildCli().parseAsync(process.argv);
