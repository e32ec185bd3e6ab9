// `calypso site create|list|update`: sites from the command line, through a running service's GraphQL
// API with the admin key. Flags are checked here first, by the service's own rules (siteInput.ts), so a
// mistake names the flag and what it expects before anything is sent.
import type { Command } from 'commander';
import { InputError } from '../errors/apiError.ts';
import { SITE_LIMITS, validateSiteInput, type SiteInput } from '../sites/siteInput.ts';
import { integer, printJson, refuse, repeatable, table, URL_HELP, type ViaService } from './cliOutput.ts';

interface SiteRow {
  id: string;
  name: string;
  hostnames: string[];
  timezone: string;
  kAnonymity: number;
  retentionDays: number;
  defaultConsent: Record<string, boolean>;
  createdAt: string;
}

interface SiteFlags {
  name?: string;
  host?: string[];
  k?: number;
  retention?: number;
  timezone?: string;
  json?: boolean;
  url?: string;
}

const FIELDS = 'id name hostnames timezone kAnonymity retentionDays defaultConsent { statistics personalization advertising thirdParty } createdAt';
const K_EXPECTS = `an integer from ${SITE_LIMITS.minK} to ${SITE_LIMITS.maxK}`;
const RETENTION_EXPECTS = `a number of days from ${SITE_LIMITS.minRetentionDays} to ${SITE_LIMITS.maxRetentionDays}`;

/** The flag that sets each createSite argument, for messages that name what the user typed. */
function flagOf(field: string, idFlag: string): string {
  if (field === 'id') return idFlag;
  if (field.startsWith('hostnames')) return '--host';
  return { name: '--name', timezone: '--timezone', kAnonymity: '--k', retentionDays: '--retention' }[field] ?? field;
}

/** validateSiteInput, its message led by the flag instead of the argument ("--k must be …"). */
function check(input: SiteInput, idFlag: string): void {
  try {
    validateSiteInput(input);
  } catch (err) {
    if (!(err instanceof InputError) || err.field === undefined) throw err;
    const flag = flagOf(err.field, idFlag);
    refuse(err.message.startsWith(err.field) ? `${flag}${err.message.slice(err.field.length)}` : `${flag}: ${err.message}`);
  }
}

const consentText = (c: Record<string, boolean>) => Object.keys(c).filter((k) => c[k]).join(',') || 'none';

/** The sites as a table, or as JSON: a list for `list`, the one site for `create` and `update`. */
function printSites(rows: SiteRow[], json: boolean | undefined, one = false): void {
  if (json) return printJson(one ? rows[0] : rows);
  process.stdout.write(
    table(
      ['ID', 'NAME', 'HOSTS', 'K', 'RETENTION', 'TIMEZONE', 'DEFAULT CONSENT', 'CREATED'],
      rows.map((s) => [s.id, s.name, s.hostnames.join(','), String(s.kAnonymity), `${s.retentionDays} days`, s.timezone, consentText(s.defaultConsent), s.createdAt.slice(0, 10)]),
      'no sites yet: calypso site create --id ID --name NAME --host HOST',
    ),
  );
}

export function addSiteCommands(program: Command, viaService: ViaService): void {
  const site = program.command('site').description('create, list and change sites in a running Calypso');
  const settings = (cmd: Command) =>
    cmd
      .option('--k <n>', `k-anonymity: rows with fewer distinct visitors are suppressed (${K_EXPECTS})`, integer('--k', K_EXPECTS))
      .option('--retention <days>', `how long events are kept (${RETENTION_EXPECTS})`, integer('--retention', RETENTION_EXPECTS))
      .option('--timezone <zone>', 'IANA time zone for whole days in statistics, e.g. Europe/Moscow')
      .option('--json', 'print JSON for scripts')
      .option('--url <url>', URL_HELP);

  settings(
    site
      .command('create')
      .description('register a site: the collector takes hits only for its host names')
      .requiredOption('--id <id>', 'site id: 1–63 lower-case letters, digits, "-" or "_"')
      .requiredOption('--name <name>', 'a name for people')
      .requiredOption('--host <name>', 'a host name the site is served on, e.g. shop.example (repeat for more)', repeatable),
  )
    .addHelpText('after', '\nDefaults: --k 10, --retention 395, --timezone UTC, default consent statistics only.')
    .action(async (opts: SiteFlags & { id: string; name: string; host: string[] }) => {
      const input = { id: opts.id, name: opts.name, hostnames: opts.host, timezone: opts.timezone ?? 'UTC', kAnonymity: opts.k ?? 10, retentionDays: opts.retention ?? 395 };
      check(input, '--id');
      await viaService(opts.url, async (client) => {
        const { createSite } = await client.graphql<{ createSite: SiteRow }>(
          `mutation($id: ID!, $name: String!, $hostnames: [String!]!, $timezone: String, $kAnonymity: Int, $retentionDays: Int) { createSite(id: $id, name: $name, hostnames: $hostnames, timezone: $timezone, kAnonymity: $kAnonymity, retentionDays: $retentionDays) { ${FIELDS} } }`,
          input,
        );
        printSites([createSite], opts.json, true);
      });
    });

  site
    .command('list')
    .description('list the sites')
    .option('--json', 'print JSON for scripts')
    .option('--url <url>', URL_HELP)
    .action(async (opts: { json?: boolean; url?: string }) => {
      await viaService(opts.url, async (client) => printSites((await client.graphql<{ sites: SiteRow[] }>(`{ sites { ${FIELDS} } }`)).sites, opts.json));
    });

  settings(
    site
      .command('update')
      .description("change a site's settings; what is not given is kept")
      .argument('<id>', 'the site id')
      .option('--name <name>', 'a name for people')
      .option('--host <name>', 'the host names, replacing the current ones (repeat for more)', repeatable),
  ).action(async (id: string, opts: SiteFlags) => {
    const given = { name: opts.name, hostnames: opts.host, timezone: opts.timezone, kAnonymity: opts.k, retentionDays: opts.retention };
    if (Object.values(given).every((v) => v === undefined)) refuse('site update needs at least one of --name, --host, --k, --retention, --timezone');
    // Each flag given is checked by createSite's rules; the others stand in with valid values.
    check({ id, name: given.name ?? 'x', hostnames: given.hostnames ?? ['x.example'], timezone: given.timezone ?? 'UTC', kAnonymity: given.kAnonymity ?? SITE_LIMITS.minK, retentionDays: given.retentionDays ?? SITE_LIMITS.minRetentionDays }, 'ID');
    await viaService(opts.url, async (client) => {
      const { updateSite } = await client.graphql<{ updateSite: SiteRow }>(
        `mutation($id: ID!, $name: String, $hostnames: [String!], $timezone: String, $kAnonymity: Int, $retentionDays: Int) { updateSite(id: $id, name: $name, hostnames: $hostnames, timezone: $timezone, kAnonymity: $kAnonymity, retentionDays: $retentionDays) { ${FIELDS} } }`,
        { id, ...given },
      );
      printSites([updateSite], opts.json, true);
    });
  });
}

