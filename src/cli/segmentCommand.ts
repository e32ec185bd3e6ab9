// `calypso segment define|list|refresh|delete`: segments from the command line, through a running
// service's GraphQL API with the admin key. A rule is the JSON form of SegmentRuleInput, checked here
// first so a mistake is reported with the node it is at before anything is sent.
import fs from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../errors/apiError.ts';
import { parseSegmentRule } from '../segments/segmentRule.ts';
import { URL_HELP, type ViaService } from './cliOutput.ts';
import { positiveInt } from './positiveInt.ts';
import { CliError } from './serviceClient.ts';

interface SegmentRow {
  id: string;
  name: string;
  version: number;
  status: string;
  size: number | null;
  refreshedAt: string | null;
  error: string | null;
}

const FIELDS = 'id name version status size refreshedAt error';

/** Reads a rule from a file or stdin ("-") and checks its shape; the site's retention is checked by the service. */
export function readRule(source: string, read: (file: string) => string = (f) => fs.readFileSync(f === '-' ? 0 : f, 'utf8')): unknown {
  let text: string;
  try {
    text = read(source);
  } catch {
    throw new CliError(`cannot read the rule from ${source === '-' ? 'standard input' : source}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`the rule in ${source === '-' ? 'standard input' : source} is not valid JSON`);
  }
  try {
    return parseSegmentRule(json, { maxWindowDays: 3660 });
  } catch (err) {
    if (err instanceof InputError) throw new CliError(`bad rule: ${err.message}`);
    throw err;
  }
}


function print(rows: SegmentRow[]): void {
  for (const s of rows) {
    const size = s.size === null ? 'size hidden (below k) or not built' : `${s.size} members`;
    process.stdout.write(`${s.id}  ${s.name}  v${s.version}  ${s.status}  ${size}${s.refreshedAt ? `  refreshed ${s.refreshedAt}` : ''}${s.error ? `  error: ${s.error}` : ''}\n`);
  }
}

export function addSegmentCommands(program: Command, viaService: ViaService): void {
  const segment = program.command('segment').description('define, list, refresh and delete targeting segments in a running Calypso');
  segment
    .command('define')
    .description('define a segment from a JSON rule (see README: Segments)')
    .requiredOption('--site <id>', 'the site')
    .requiredOption('--name <name>', 'a name for people')
    .requiredOption('--rule <file>', 'the rule as JSON; "-" reads standard input')
    .option('--every <minutes>', 'refresh every so many minutes (1 to 1440)', positiveInt('--every', 1440), 15)
    .option('--refresh', 'materialise it now and wait until it is live')
    .option('--url <url>', URL_HELP)
    .action(async (opts: { site: string; name: string; rule: string; every: number; refresh?: boolean; url?: string }) => {
      await viaService(opts.url, async (client) => {
        const rule = readRule(opts.rule);
        const { defineSegment } = await client.graphql<{ defineSegment: SegmentRow }>(
          `mutation($site: ID!, $name: String!, $rule: SegmentRuleInput!, $every: Int) { defineSegment(site: $site, name: $name, rule: $rule, refreshEveryMinutes: $every) { ${FIELDS} } }`,
          { site: opts.site, name: opts.name, rule, every: opts.every },
        );
        if (!opts.refresh) return print([defineSegment]);
        process.stderr.write(`defined ${defineSegment.id}; refreshing …\n`);
        const { refreshSegment } = await client.graphql<{ refreshSegment: SegmentRow }>(`mutation($id: ID!) { refreshSegment(id: $id) { ${FIELDS} } }`, { id: defineSegment.id });
        print([refreshSegment]);
      });
    });
  segment
    .command('list')
    .description("list a site's segments")
    .requiredOption('--site <id>', 'the site')
    .option('--url <url>', URL_HELP)
    .action(async (opts: { site: string; url?: string }) => {
      await viaService(opts.url, async (client) => print((await client.graphql<{ segments: SegmentRow[] }>(`query($site: ID!) { segments(site: $site) { ${FIELDS} } }`, { site: opts.site })).segments));
    });
  segment
    .command('refresh')
    .description('materialise a segment now; returns once the new version is live')
    .argument('<id>', 'the segment id')
    .option('--url <url>', URL_HELP)
    .action(async (id: string, opts: { url?: string }) => {
      await viaService(opts.url, async (client) => print([(await client.graphql<{ refreshSegment: SegmentRow }>(`mutation($id: ID!) { refreshSegment(id: $id) { ${FIELDS} } }`, { id })).refreshSegment]));
    });
  segment
    .command('delete')
    .description('delete a segment; it leaves look-ups at once')
    .argument('<id>', 'the segment id')
    .option('--url <url>', URL_HELP)
    .action(async (id: string, opts: { url?: string }) => {
      await viaService(opts.url, async (client) => {
        const { deleteSegment } = await client.graphql<{ deleteSegment: boolean }>('mutation($id: ID!) { deleteSegment(id: $id) }', { id });
        if (!deleteSegment) throw new CliError(`segment ${id} was already deleted`);
        process.stdout.write(`deleted ${id}\n`);
      });
    });
}
