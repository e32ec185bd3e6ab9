import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, pinnedMallocEnv } from '../../src/config/config.ts';

const CWD = path.resolve('/srv/calypso');
const KEYS = `1:${Buffer.alloc(32, 7).toString('base64')}`;
const ADMIN = 'a'.repeat(32);

/** The ConfigError loadConfig throws for `env`; fails the test when it does not throw one. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env, CWD);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  it('fills every default from an empty environment', () => {
    const c = loadConfig({}, CWD);
    expect(c.port).toBe(4000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.dataDir).toBe(path.join(CWD, 'data'));
    expect(c.nodeEnv).toBe('development');
    expect(c.logLevel).toBe('info');
    expect(c.adminKey).toBeUndefined();
    expect(c.pseudonymKeys).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.clickhouse).toEqual({ url: undefined, user: 'default', password: '', database: 'calypso', requestTimeoutMs: 30_000, allocatorConf: 'dirty_decay_ms:60000' });
    expect(c.flushIntervalMs).toBe(1_000);
    expect(c.maxBodyBytes).toBe(1024 * 1024);
    expect(c.shutdownTimeoutMs).toBe(10_000);
    expect(c).toMatchObject({ redisKeyPrefix: 'calypso:', segmentTickMs: 5_000, auditRetentionDays: 1_096, legalHoldDays: 365, contactEmail: '', sessionIdleMinutes: 720 });
  });

  it("gives the engine's allocator how long to keep freed memory, the operator's own options after it", () => {
    expect(loadConfig({ CALYPSO_ENGINE_KEEP_FREED_MS: '5000' }, CWD).clickhouse.allocatorConf).toBe('dirty_decay_ms:5000');
    expect(loadConfig({ JE_MALLOC_CONF: 'dirty_decay_ms:1000,muzzy_decay_ms:0' }, CWD).clickhouse.allocatorConf).toBe('dirty_decay_ms:60000,dirty_decay_ms:1000,muzzy_decay_ms:0');
    expect(configError({ CALYPSO_ENGINE_KEEP_FREED_MS: '-1' }).message).toMatch(/^CALYPSO_ENGINE_KEEP_FREED_MS must be an integer between 0 and 3600000/);
  });

  it("starts the service again with glibc's mmap threshold pinned, unless the environment names one", () => {
    expect(pinnedMallocEnv({ PORT: '4000' })).toEqual({ PORT: '4000', MALLOC_MMAP_THRESHOLD_: '131072' });
    expect(pinnedMallocEnv({ PORT: '4000', MALLOC_MMAP_THRESHOLD_: '65536' })).toBeUndefined();
  });

  it('quietens logging under NODE_ENV=test', () => {
    expect(loadConfig({ NODE_ENV: 'test' }, CWD).logLevel).toBe('warn');
  });

  it('resolves a relative data dir against cwd and keeps an absolute one', () => {
    expect(loadConfig({ CALYPSO_DATA_DIR: 'var/db' }, CWD).dataDir).toBe(path.join(CWD, 'var/db'));
    expect(loadConfig({ CALYPSO_DATA_DIR: '/data/calypso' }, CWD).dataDir).toBe('/data/calypso');
  });

  it('reads every variable it is given', () => {
    const c = loadConfig(
      {
        PORT: '8080',
        CALYPSO_HOST: '0.0.0.0',
        CALYPSO_LOG_LEVEL: 'debug',
        CLICKHOUSE_URL: 'https://ch.internal:8443',
        CLICKHOUSE_USER: 'calypso',
        CLICKHOUSE_PASSWORD: 'pw',
        CLICKHOUSE_DATABASE: 'analytics_2',
        CALYPSO_PSEUDONYM_KEYS: KEYS,
        CALYPSO_ADMIN_KEY: ADMIN,
        REDIS_URL: 'rediss://cache:6380',
      },
      CWD,
    );
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.logLevel).toBe('debug');
    expect(c.clickhouse).toMatchObject({ url: 'https://ch.internal:8443', user: 'calypso', password: 'pw', database: 'analytics_2', requestTimeoutMs: 30_000 });
    expect(c.pseudonymKeys).toBe(KEYS);
    expect(c.adminKey).toBe(ADMIN);
    expect(c.redisUrl).toBe('rediss://cache:6380');
  });

  it('treats empty optional strings as unset', () => {
    const c = loadConfig({ REDIS_URL: '', CALYPSO_ADMIN_KEY: '', CLICKHOUSE_URL: '' }, CWD);
    expect(c.redisUrl).toBeUndefined();
    expect(c.adminKey).toBeUndefined();
    expect(c.clickhouse.url).toBeUndefined();
  });

  it('returns a deeply frozen config', () => {
    const c = loadConfig({}, CWD);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.clickhouse)).toBe(true);
    expect(() => {
      (c as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (c.clickhouse as { database: string }).database = 'x';
    }).toThrow(TypeError);
    expect(c.clickhouse.database).toBe('calypso');
  });
});

describe('loadConfig refusals', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT', 'an integer between 1 and 65535'],
    [{ PORT: '70000' }, 'PORT', 'an integer between 1 and 65535'],
    [{ PORT: '0' }, 'PORT', 'an integer between 1 and 65535'],
    [{ PORT: '4000\nx' }, 'PORT', 'an integer between 1 and 65535'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL', 'redis://'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL', 'redis://'],
    [{ CLICKHOUSE_URL: 'ftp://x' }, 'CLICKHOUSE_URL', 'http://'],
    [{ CALYPSO_LOG_LEVEL: 'loud' }, 'CALYPSO_LOG_LEVEL', 'one of fatal, error'],
    [{ NODE_ENV: 'prod' }, 'NODE_ENV', 'one of development, production, test'],
    [{ CLICKHOUSE_DATABASE: 'a-b' }, 'CLICKHOUSE_DATABASE', 'letters, digits and underscores'],
    [{ CLICKHOUSE_REQUEST_TIMEOUT_MS: '5' }, 'CLICKHOUSE_REQUEST_TIMEOUT_MS', 'an integer between 100 and 600000'],
    [{ CALYPSO_MAX_BODY_BYTES: '1.5' }, 'CALYPSO_MAX_BODY_BYTES', 'an integer between'],
    [{ CALYPSO_CONTACT_EMAIL: 'support' }, 'CALYPSO_CONTACT_EMAIL', 'an e-mail address'],
    [{ CALYPSO_LEGAL_HOLD_DAYS: '0' }, 'CALYPSO_LEGAL_HOLD_DAYS', 'an integer between 1 and 36500'],
    [{ CALYPSO_AUDIT_RETENTION_DAYS: '3y' }, 'CALYPSO_AUDIT_RETENTION_DAYS', 'an integer between 1 and 36500'],
    [{ CALYPSO_SEGMENT_TICK_MS: '10' }, 'CALYPSO_SEGMENT_TICK_MS', 'an integer between 100 and 3600000'],
    [{ REDIS_KEY_PREFIX: 'a b' }, 'REDIS_KEY_PREFIX', 'letters, digits and'],
    [{ CALYPSO_SESSION_IDLE_MINUTES: '0' }, 'CALYPSO_SESSION_IDLE_MINUTES', 'an integer between 1 and 525600'],
    [{ CALYPSO_SESSION_IDLE_MINUTES: '12h' }, 'CALYPSO_SESSION_IDLE_MINUTES', 'an integer between 1 and 525600'],
    [{ CALYPSO_DASHBOARD_PREFETCH: 'yes' }, 'CALYPSO_DASHBOARD_PREFETCH', 'true or false'],
  ])('%j is refused in one line naming %s', (env, name, expects) => {
    const err = configError(env);
    expect(err.name).toBe('ConfigError');
    expect(err.message.startsWith(`${name} must be `)).toBe(true);
    expect(err.message).toContain(expects);
    expect(err.message).not.toMatch(/[\r\n]/);
  });

  it('shows the offending value of a non-secret variable', () => {
    expect(configError({ PORT: 'abc' }).message).toContain('(got "abc")');
  });

  it.each([
    ['CALYPSO_ADMIN_KEY', 'short-secret-hunter2', 'at least 32 characters'],
    ['CALYPSO_PSEUDONYM_KEYS', '1:c2VjcmV0LWh1bnRlcjI=', '"version:key" pairs'],
    ['CALYPSO_PSEUDONYM_KEYS', `x:${Buffer.alloc(32, 1).toString('base64')}`, '"version:key" pairs'],
  ])('%s: a bad secret is refused without echoing it', (name, value, expects) => {
    const err = configError({ [name]: value });
    expect(err.message.startsWith(`${name} must be `)).toBe(true);
    expect(err.message).toContain(expects);
    expect(err.message).not.toContain(value);
    expect(err.message).not.toContain('got');
  });

  it('never echoes a password embedded in a bad URL', () => {
    const err = configError({ REDIS_URL: 'http://:hunter2@cache:6379' });
    expect(err.message.startsWith('REDIS_URL must be ')).toBe(true);
    expect(err.message).not.toContain('hunter2');
    const ch = configError({ CLICKHOUSE_URL: 'ftp://calypso:hunter2@ch:21' });
    expect(ch.message.startsWith('CLICKHOUSE_URL must be ')).toBe(true);
    expect(ch.message).not.toContain('hunter2');
  });

  it('refuses a shared ClickHouse without configured pseudonym keys', () => {
    const err = configError({ CLICKHOUSE_URL: 'http://ch:8123', CALYPSO_ADMIN_KEY: ADMIN });
    expect(err.message.startsWith('CALYPSO_PSEUDONYM_KEYS must be set when CLICKHOUSE_URL is set')).toBe(true);
    expect(err.message).not.toContain(ADMIN);
  });

  it('refuses a shared ClickHouse without a configured admin key', () => {
    const err = configError({ CLICKHOUSE_URL: 'http://ch:8123', CALYPSO_PSEUDONYM_KEYS: KEYS });
    expect(err.message.startsWith('CALYPSO_ADMIN_KEY must be set when CLICKHOUSE_URL is set')).toBe(true);
    expect(err.message).not.toContain(KEYS);
  });

  it('accepts a shared ClickHouse with both secrets', () => {
    const c = loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CALYPSO_PSEUDONYM_KEYS: KEYS, CALYPSO_ADMIN_KEY: ADMIN }, CWD);
    expect(c.clickhouse.url).toBe('http://ch:8123');
  });

  it('bounds the log buffer, and follows its parent when run by an npm script unless told', () => {
    expect(loadConfig({}, CWD)).toMatchObject({ logBufferBytes: 1024 * 1024, exitWithParent: false });
    expect(loadConfig({ npm_lifecycle_event: 'start' }, CWD).exitWithParent).toBe(true);
    expect(loadConfig({ npm_lifecycle_event: 'start', CALYPSO_EXIT_WITH_PARENT: 'false' }, CWD).exitWithParent).toBe(false);
    expect(loadConfig({ CALYPSO_EXIT_WITH_PARENT: 'true', CALYPSO_LOG_BUFFER_BYTES: '65536' }, CWD)).toMatchObject({ logBufferBytes: 65_536, exitWithParent: true });
    // The overview's prefetch: on unless turned off.
    expect(loadConfig({}, CWD).dashboardPrefetch).toBe(true);
    expect(loadConfig({ CALYPSO_DASHBOARD_PREFETCH: 'false' }, CWD).dashboardPrefetch).toBe(false);
    expect(configError({ CALYPSO_EXIT_WITH_PARENT: 'yes' }).message).toBe('CALYPSO_EXIT_WITH_PARENT must be true or false (got "yes")');
    expect(configError({ CALYPSO_LOG_BUFFER_BYTES: '10' }).message).toMatch(/^CALYPSO_LOG_BUFFER_BYTES must be an integer between 4096 and/);
  });
});
