// The `calypso` command line: start, migrate. Exit codes: 0 ok, 1 runtime failure, 2 bad configuration.
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, ROLES, type Config, type Role } from '../config/config.ts';
import { createLogger } from '../observability/logger.ts';
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

async function start(opts: { role: Role }): Promise<void> {
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
        `it is kept in ${config.dataDir}/secrets/admin.key (mode 0600):\n\n  ${running.secrets.adminKey}\n\n`,
    );
  }
  process.stdout.write(`Calypso is serving on ${running.url} (role ${opts.role}); GraphQL at ${running.url}/graphql\n`);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal forces the exit without flushing.
    if (++signals > 1) process.exit(130);
    log.info({ signal }, 'signal received');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
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

export function buildCli(): Command {
  const program = new Command('calypso')
    .description('Calypso: privacy-enforcing web analytics and ad-targeting segments over GraphQL.\nConfiguration comes from the environment; see README.md.')
    .showHelpAfterError();
  program
    .command('start')
    .description('run the service (HTTP on PORT, default 4000): collector, GraphQL API and worker')
    .addOption(new Option('--role <role>', 'which part to run; roles other than "all" need CLICKHOUSE_URL').choices(ROLES).default('all'))
    .action(start);
  program.command('migrate').description('apply pending ClickHouse migrations and exit (start also does this)').action(runMigrate);
  return program;
}

await buildCli().parseAsync(process.argv);
