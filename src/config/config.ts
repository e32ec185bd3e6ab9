// The one module that reads process.env. Everything else receives a frozen Config.
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';

export const ROLES = ['all', 'collector', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Log bytes that may wait for a slow stdout reader; lines beyond are dropped and counted. */
  readonly logBufferBytes: number;
  /** Stop gracefully when the parent process goes away (default: when run by an npm script). */
  readonly exitWithParent: boolean;
  /** Bootstrap ADMINISTRATION secret; generated into dataDir when unset in embedded mode. */
  readonly adminKey: string | undefined;
  /** Versioned HMAC keys as "version:base64,..."; generated into dataDir when unset in embedded mode. */
  readonly pseudonymKeys: string | undefined;
  readonly clickhouse: {
    /** undefined → the embedded engine (chDB) under dataDir. */
    readonly url: string | undefined;
    readonly user: string;
    readonly password: string;
    readonly database: string;
    readonly requestTimeoutMs: number;
    /**
     * Embedded engine: its allocator's options (jemalloc's JE_MALLOC_CONF), holding how long it keeps memory
     * that queries freed before returning it to the system (CALYPSO_ENGINE_KEEP_FREED_MS), then the
     * operator's own JE_MALLOC_CONF, which wins.
     */
    readonly allocatorConf: string;
  };
  readonly redisUrl: string | undefined;
  /** Prefix of every Redis key, so several deployments (or test runs) can share one Redis. */
  readonly redisKeyPrefix: string;
  readonly flushIntervalMs: number;
  /** Oldest `ts` a hit may carry. */
  readonly maxEventAgeMs: number;
  /** Proxies whose X-Forwarded-For is believed: addresses or CIDR ranges. */
  readonly trustedProxies: readonly string[];
  /** Requests per second per client IP on the collector (token bucket; burst twice this). */
  readonly rateLimitPerIp: number;
  /** Failed authentications (no key, an unknown or revoked key) per minute per client address on the API; beyond it 429. */
  readonly authFailuresPerMinute: number;
  /** Requests per second per API key on /graphql and the REST API routes (token bucket; burst twice this). */
  readonly rateLimitPerKey: number;
  /** Disk budget of the collector's spool; beyond it /collect answers 503. */
  readonly spoolMaxBytes: number;
  readonly maxBodyBytes: number;
  readonly shutdownTimeoutMs: number;
  /** How often a worker looks for segments due a refresh. */
  readonly segmentTickMs: number;
  /** Days the audit log, the consent log and the current consents are kept. */
  readonly auditRetentionDays: number;
  /** Days an erasure's legal-hold copy is kept. */
  readonly legalHoldDays: number;
  /** The operator's contact for privacy questions (policy 8.1), shown in receipts; empty when unset. */
  readonly contactEmail: string;
  /** Minutes a dashboard session lives without use. */
  readonly sessionIdleMinutes: number;
  /** Start the overview's numbers when its page is served to a signed-in browser (src/dashboard/overviewPrefetch.ts). */
  readonly dashboardPrefetch: boolean;
  /** Visitors whose recent visits a collector keeps in memory (docs/visits.md); past it, older ones are read back from ClickHouse. */
  readonly visitStateMax: number;
}

/** Thrown for a bad environment; its message is the one line printed before exiting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const int = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, `an integer between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `an integer between ${min} and ${max}`).max(max, `an integer between ${min} and ${max}`))
    .optional()
    .transform((v) => v ?? fallback);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const url = (protocols: string[]) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

// NOTE: the admin key is a bearer secret for everything; require enough entropy to resist guessing.
const adminKey = optionalString.refine((v) => v === undefined || v.length >= 32, 'a secret of at least 32 characters');

const pseudonymKeys = optionalString.refine(
  (v) => v === undefined || /^\d{1,3}:[A-Za-z0-9+/=_-]{43,}(,\d{1,3}:[A-Za-z0-9+/=_-]{43,})*$/.test(v),
  'comma-separated "version:key" pairs, each key at least 32 bytes in base64 (e.g. "1:<base64>")',
);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], 'one of development, production, test').optional(),
  CALYPSO_HOST: z.string().min(1, 'an interface address such as 127.0.0.1 or 0.0.0.0').optional(),
  PORT: int(1, 65535, 4000),
  CALYPSO_DATA_DIR: z.string().min(1, 'a directory path').optional(),
  CALYPSO_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'one of fatal, error, warn, info, debug, trace, silent')
    .optional(),
  CALYPSO_LOG_BUFFER_BYTES: int(4096, 1024 ** 3, 1024 * 1024),
  CALYPSO_EXIT_WITH_PARENT: z.enum(['true', 'false'], 'true or false').optional(),
  // Set by npm for the script it runs (npm start): the service then belongs to that npm process.
  npm_lifecycle_event: z.string().optional(),
  CALYPSO_ADMIN_KEY: adminKey,
  CALYPSO_PSEUDONYM_KEYS: pseudonymKeys,
  CLICKHOUSE_URL: url(['http:', 'https:']),
  CLICKHOUSE_USER: optionalString,
  CLICKHOUSE_PASSWORD: optionalString,
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'a database name of letters, digits and underscores')
    .optional(),
  CLICKHOUSE_REQUEST_TIMEOUT_MS: int(100, 600_000, 30_000),
  CALYPSO_ENGINE_KEEP_FREED_MS: int(0, 3_600_000, 60_000),
  JE_MALLOC_CONF: optionalString,
  REDIS_URL: url(['redis:', 'rediss:']),
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits and : _ . - (at most 64), such as "calypso:"').optional(),
  CALYPSO_FLUSH_INTERVAL_MS: int(10, 60_000, 1_000),
  CALYPSO_SPOOL_MAX_BYTES: int(1024 * 1024, 1024 ** 4, 1024 ** 3),
  CALYPSO_MAX_EVENT_AGE: z
    .string()
    .regex(/^\d{1,6}[smhd]$/, 'a duration such as 72h, 30m or 3d')
    .optional()
    .transform((v) => (v === undefined ? 72 * 3_600_000 : Number(v.slice(0, -1)) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[v.slice(-1) as 's']))
    .pipe(z.number().min(60_000, 'a duration of at least 1m').max(366 * 86_400_000, 'a duration of at most 366d')),
  CALYPSO_TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''))
    .refine((list) => list.every(isAddressOrCidr), 'comma-separated IP addresses or CIDR ranges such as 10.0.0.0/8,::1'),
  CALYPSO_RATE_LIMIT_PER_IP: int(1, 1_000_000, 200),
  CALYPSO_AUTH_FAILURES_PER_MINUTE: int(1, 1_000_000, 30),
  CALYPSO_RATE_LIMIT_PER_KEY: int(1, 10_000_000, 50_000),
  CALYPSO_MAX_BODY_BYTES: int(1024, 16 * 1024 * 1024, 1024 * 1024),
  CALYPSO_SHUTDOWN_TIMEOUT_MS: int(100, 600_000, 10_000),
  CALYPSO_SEGMENT_TICK_MS: int(100, 3_600_000, 5_000),
  CALYPSO_AUDIT_RETENTION_DAYS: int(1, 36_500, 1_096),
  CALYPSO_LEGAL_HOLD_DAYS: int(1, 36_500, 365),
  CALYPSO_SESSION_IDLE_MINUTES: int(1, 525_600, 720),
  CALYPSO_DASHBOARD_PREFETCH: z.enum(['true', 'false'], 'true or false').optional(),
  CALYPSO_VISIT_STATE_MAX: int(1_000, 100_000_000, 200_000),
  CALYPSO_CONTACT_EMAIL: z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an e-mail address such as privacy@example.ru').optional(),
});

/** Parses an environment (process.env by default) into a frozen Config, or throws one-line ConfigError. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env, cwd = process.cwd()): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    const got = env[name];
    // NOTE: a URL may carry credentials (scheme://user:password@host); never echo one that does.
    const secret = name.includes('KEY') || name.includes('PASSWORD') || (name.endsWith('_URL') && got?.includes('@') === true);
    const shown = secret ? '' : ` (got ${JSON.stringify(got)})`;
    throw new ConfigError(`${name} must be ${issue?.message ?? 'valid'}${shown}`);
  }
  const e = parsed.data;
  const nodeEnv = e.NODE_ENV ?? 'development';
  const embedded = e.CLICKHOUSE_URL === undefined;
  // NOTE: with a shared server, generated per-instance secrets would split pseudonyms and admin
  // access between replicas, so they must come from configuration.
  if (!embedded && e.CALYPSO_PSEUDONYM_KEYS === undefined) {
    throw new ConfigError('CALYPSO_PSEUDONYM_KEYS must be set when CLICKHOUSE_URL is set (every instance needs the same keys)');
  }
  if (!embedded && e.CALYPSO_ADMIN_KEY === undefined) {
    throw new ConfigError('CALYPSO_ADMIN_KEY must be set when CLICKHOUSE_URL is set (every instance needs the same admin key)');
  }
  return deepFreeze({
    nodeEnv,
    host: e.CALYPSO_HOST ?? '127.0.0.1',
    port: e.PORT,
    dataDir: path.resolve(cwd, e.CALYPSO_DATA_DIR ?? './data'),
    logLevel: e.CALYPSO_LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info'),
    logBufferBytes: e.CALYPSO_LOG_BUFFER_BYTES,
    exitWithParent: e.CALYPSO_EXIT_WITH_PARENT === undefined ? e.npm_lifecycle_event !== undefined : e.CALYPSO_EXIT_WITH_PARENT === 'true',
    adminKey: e.CALYPSO_ADMIN_KEY,
    pseudonymKeys: e.CALYPSO_PSEUDONYM_KEYS,
    clickhouse: {
      url: e.CLICKHOUSE_URL,
      user: e.CLICKHOUSE_USER ?? 'default',
      password: e.CLICKHOUSE_PASSWORD ?? '',
      database: e.CLICKHOUSE_DATABASE ?? 'calypso',
      requestTimeoutMs: e.CLICKHOUSE_REQUEST_TIMEOUT_MS,
      allocatorConf: [`dirty_decay_ms:${e.CALYPSO_ENGINE_KEEP_FREED_MS}`, ...(e.JE_MALLOC_CONF === undefined ? [] : [e.JE_MALLOC_CONF])].join(','),
    },
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX ?? 'calypso:',
    flushIntervalMs: e.CALYPSO_FLUSH_INTERVAL_MS,
    spoolMaxBytes: e.CALYPSO_SPOOL_MAX_BYTES,
    maxEventAgeMs: e.CALYPSO_MAX_EVENT_AGE,
    trustedProxies: e.CALYPSO_TRUSTED_PROXIES,
    rateLimitPerIp: e.CALYPSO_RATE_LIMIT_PER_IP,
    authFailuresPerMinute: e.CALYPSO_AUTH_FAILURES_PER_MINUTE,
    rateLimitPerKey: e.CALYPSO_RATE_LIMIT_PER_KEY,
    maxBodyBytes: e.CALYPSO_MAX_BODY_BYTES,
    shutdownTimeoutMs: e.CALYPSO_SHUTDOWN_TIMEOUT_MS,
    segmentTickMs: e.CALYPSO_SEGMENT_TICK_MS,
    auditRetentionDays: e.CALYPSO_AUDIT_RETENTION_DAYS,
    legalHoldDays: e.CALYPSO_LEGAL_HOLD_DAYS,
    contactEmail: e.CALYPSO_CONTACT_EMAIL ?? '',
    sessionIdleMinutes: e.CALYPSO_SESSION_IDLE_MINUTES,
    dashboardPrefetch: e.CALYPSO_DASHBOARD_PREFETCH !== 'false',
    visitStateMax: e.CALYPSO_VISIT_STATE_MAX,
  });
}

function isAddressOrCidr(s: string): boolean {
  const [addr, bits, extra] = s.split('/');
  const family = net.isIP(addr ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

function deepFreeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) if (v !== null && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}

/**
 * Hands the embedded engine's allocator its options (Config's `clickhouse.allocatorConf`): jemalloc reads
 * them from this process's environment when libchdb loads (src/store/eventStore.ts). The one write to the
 * environment, kept beside its reads.
 */
export function exportAllocatorConf(conf: string): void {
  process.env.JE_MALLOC_CONF = conf;
}

/**
 * The environment `calypso start` runs itself again with (the same pid, flags and arguments:
 * process.execve) so that glibc reads a pinned mmap threshold of 128 KiB, its default; undefined when the
 * environment names one already (ours, or the operator's choice).
 * NOTE (memory): glibc raises its mmap threshold to the size of the largest mapped block freed (up to 32
 * MiB). Once delivery had freed a segment's buffers, the megabyte buffers of requests, spool records and
 * segments came from malloc's heap instead and stayed as its fragments: under a minute of overload the
 * RSS grew by a quarter after its 10th second (docs/performance.md "reserved room, delivery turns, mmap
 * threshold"). Pinned, they are mapped and unmapped whole. glibc reads it only as a process starts; other
 * C libraries ignore it.
 */
export function pinnedMallocEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv | undefined {
  if (process.platform !== 'linux' || env.MALLOC_MMAP_THRESHOLD_ !== undefined) return undefined;
  return { ...env, MALLOC_MMAP_THRESHOLD_: String(128 * 1024) };
}
