// Split roles refuse to start without the shared services, before touching anything.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startService } from '../../src/service.ts';

const log = createLogger(loadConfig({ CALYPSO_LOG_LEVEL: 'silent' }));
const server = { CLICKHOUSE_URL: 'http://127.0.0.1:1', CALYPSO_ADMIN_KEY: 'k'.repeat(32), CALYPSO_PSEUDONYM_KEYS: `1:${Buffer.alloc(32, 7).toString('base64')}` };

describe('roles', () => {
  it.each(['collector', 'api', 'worker'] as const)('%s needs CLICKHOUSE_URL, then REDIS_URL', async (role) => {
    await expect(startService(loadConfig({ CALYPSO_DATA_DIR: '/nonexistent' }), { role, log })).rejects.toThrow(`--role ${role} needs CLICKHOUSE_URL`);
    await expect(startService(loadConfig(server), { role, log })).rejects.toThrow(`--role ${role} needs REDIS_URL`);
  });
});
