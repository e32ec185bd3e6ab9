// `calypso key create|list|revoke`: API keys from the command line, through a running service's GraphQL
// API with the admin key. The secret of a new key is printed once: Calypso keeps only its SHA-256.
import type { Command } from 'commander';
import { PURPOSES, isPurpose } from '../access/purposes.ts';
import { printJson, refuse, repeatable, table, URL_HELP, type ViaService } from './cliOutput.ts';
import { CliError, type ServiceClient } from './serviceClient.ts';

export interface KeyRow {
  id: string;
  name: string;
  purposes: string[];
  sites: string[];
  allSites: boolean;
  createdAt: string;
  revokedAt: string | null;
}

const FIELDS = 'id name purposes sites allSites createdAt revokedAt';

// In the table, a key for every site shows `*` (no site id can be `*`).
const sitesCell = (key: KeyRow) => (key.allSites ? '*' : key.sites.join(','));

/** Makes a key through the API for some sites, or every site ('*'); the caller prints the secret. */
export async function createKey(client: ServiceClient, name: string, purposes: readonly string[], sites: readonly string[] | '*'): Promise<{ secret: string; key: KeyRow }> {
  const { createApiKey } = await client.graphql<{ createApiKey: { secret: string; key: KeyRow } }>(
    `mutation($name: String!, $purposes: [Purpose!]!, $sites: [ID!], $all: Boolean) { createApiKey(name: $name, purposes: $purposes, sites: $sites, allSites: $all) { secret key { ${FIELDS} } } }`,
    sites === '*' ? { name, purposes, all: true } : { name, purposes, sites },
  );
  return createApiKey;
}

/** The lines that show a new secret, set apart so it is easy to copy and hard to miss. */
export function secretBlock(secret: string, key: KeyRow): string {
  return (
    `Created API key ${key.id} "${key.name}" (${key.purposes.join(', ')}; ${key.allSites ? 'every site' : `sites ${key.sites.join(', ')}`}).\n` +
    `Its secret is printed only this once (Calypso keeps only its SHA-256); store it now:\n\n  ${secret}\n\n`
  );
}

function checkPurposes(given: string[]): string[] {
  const purposes = [...new Set(given.map((p) => p.toUpperCase()))];
  if (purposes.length === 0) refuse(`--purpose is required: one or more of ${PURPOSES.join(', ')}`);
  for (const p of purposes) if (!isPurpose(p)) refuse(`--purpose expects one of ${PURPOSES.join(', ')} (got ${JSON.stringify(p.slice(0, 64))})`);
  return purposes;
}

export function addKeyCommands(program: Command, viaService: ViaService): void {
  const key = program.command('key').description('create, list and revoke API keys in a running Calypso');
  key
    .command('create')
    .description('make an API key for some purposes and sites; prints its secret once')
    .requiredOption('--name <name>', 'a name for people (1–200 characters)')
    .requiredOption('--purpose <purpose>', `what the key may be used for (repeat for more): ${PURPOSES.join(', ')}`, repeatable)
    .option('--site <id>', 'a site the key may act on (repeat for more)', repeatable, [])
    .option('--all-sites', 'act on every site, those made later included (instead of --site)')
    .option('--json', 'print JSON for scripts (the secret included)')
    .option('--url <url>', URL_HELP)
    .action(async (opts: { name: string; purpose: string[]; site: string[]; allSites?: boolean; json?: boolean; url?: string }) => {
      const name = opts.name.trim();
      if (name.length === 0 || name.length > 200) refuse('--name expects 1–200 characters');
      const purposes = checkPurposes(opts.purpose);
      if (opts.allSites === true && opts.site.length > 0) refuse('--all-sites and --site exclude each other: give one');
      if (opts.allSites !== true && opts.site.length === 0) refuse('--site is required: a site id (see calypso site list), or --all-sites');
      await viaService(opts.url, async (client) => {
        const { secret, key: made } = await createKey(client, name, purposes, opts.allSites === true ? '*' : opts.site).catch((err: unknown) => {
          // The service names the argument (`sites[0]: site "x" does not exist`); the user typed --site.
          const field = (err as { field?: unknown }).field;
          if (err instanceof CliError && typeof field === 'string' && field.startsWith('sites')) throw new CliError(`--site: ${err.message.replace(/^sites\[\d+\]: /, '')}`);
          throw err;
        });
        if (opts.json) return printJson({ ...made, secret });
        process.stdout.write(secretBlock(secret, made));
      });
    });
  key
    .command('list')
    .description('list the API keys (never their secrets)')
    .option('--json', 'print JSON for scripts')
    .option('--url <url>', URL_HELP)
    .action(async (opts: { json?: boolean; url?: string }) => {
      await viaService(opts.url, async (client) => {
        const { apiKeys } = await client.graphql<{ apiKeys: KeyRow[] }>(`{ apiKeys { ${FIELDS} } }`);
        if (opts.json) return printJson(apiKeys);
        process.stdout.write(
          table(
            ['ID', 'NAME', 'PURPOSES', 'SITES', 'CREATED', 'STATUS'],
            apiKeys.map((k) => [k.id, k.name, k.purposes.join(','), sitesCell(k), k.createdAt.slice(0, 10), k.revokedAt === null ? 'live' : `revoked ${k.revokedAt.slice(0, 10)}`]),
          ),
        );
      });
    });
  key
    .command('revoke')
    .description('revoke an API key: it stops working at once (within 5 s on other instances)')
    .argument('<id>', 'the key id (see calypso key list)')
    .option('--json', 'print JSON for scripts')
    .option('--url <url>', URL_HELP)
    .action(async (id: string, opts: { json?: boolean; url?: string }) => {
      await viaService(opts.url, async (client) => {
        const { revokeApiKey } = await client.graphql<{ revokeApiKey: boolean }>('mutation($id: ID!) { revokeApiKey(id: $id) }', { id });
        if (opts.json) {
          printJson({ id, revoked: revokeApiKey });
          if (!revokeApiKey) process.exitCode = 1;
          return;
        }
        if (!revokeApiKey) throw new CliError(`key ${id} is not a live key (unknown, or revoked already)`);
        process.stdout.write(`revoked ${id}\n`);
      });
    });
}
