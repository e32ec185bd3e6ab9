import type { Config } from '../config/config.ts';
import { MigrationError } from '../store/migrationPlan.ts';
import { StoreError } from '../store/storeError.ts';

/** One line a person can act on, for the failures that stop a start. */
export function explainStartupError(err: unknown, config: Config): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/Cannot lock file|code 76\b/.test(message) || (err instanceof StoreError && err.code === '76')) {
    return `the data directory ${config.dataDir} is in use by another Calypso process (the embedded engine allows one); stop it first`;
  }
  if (err instanceof MigrationError) return `cannot migrate: ${message}`;
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return `port ${config.port} is in use; set PORT to another port`;
  if (err instanceof StoreError) return `${message}${config.clickhouse.url === undefined ? '' : ` (CLICKHOUSE_URL=${redactUrl(config.clickhouse.url)})`}`;
  return message;
}

function redactUrl(url: string): string {
  const u = new URL(url);
  u.password = '';
  u.username = '';
  return u.toString();
}
