// Current consent per (site, pid): durable through its own spool into `consents`, every change also
// appended to `consent_log` (flags before and after, source, time: the proof of consent), and mirrored
// in the cache at once so every read path (segment look-ups, personalisation) sees a change immediately.
import type { Cache } from '../cache/cache.ts';
import type { Logger } from '../observability/logger.ts';
import { SpoolFullError, type Spool } from '../pipeline/spool.ts';
import type { Pseudonym } from '../privacy/pseudonymiser.ts';
import { nowSql } from '../store/sqlTime.ts';
import { appendTogether, allFit, type SpoolPart } from './appendTogether.ts';
import { CONSENT_MIRROR_TTL_MS, CONSENT_PROVISIONAL_TTL_MS, CONSENT_READBACK_TTL_MS, consentCacheKey, consentDefaultCacheKey } from './consentMirror.ts';
import type { ConsentReader } from './consentReader.ts';
import { ApiError, ErrorCode } from '../errors/apiError.ts';

export type ConsentSource = 'counter' | 'api' | 'import';

export interface ConsentChange {
  readonly site: string;
  readonly pseudonym: Pseudonym;
  readonly flags: number;
}

/** The cache could not be read: nothing was recorded; the catalogue's 503 (GraphQL and REST) says "retry later". */
export class ConsentUnavailableError extends ApiError {
  override name = 'ConsentUnavailableError';
  constructor(message: string) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message, { retryAfter: 5 });
  }
}

export interface PreparedConsent {
  /** Changes that differ from the current consent. */
  readonly count: number;
  /**
   * Writes them durably (consents and consent log) together with `alongside` (the request's other spool
   * records: its events), and updates the mirror; all of it or, when it throws, none of it.
   */
  commit(alongside?: readonly SpoolPart[]): Promise<void>;
}

export interface ConsentStore {
  /** Records the changes that differ from the current consent; resolves once durable. */
  record(changes: readonly ConsentChange[], source: ConsentSource): Promise<number>;
  /**
   * The reading half of `record`, so a caller can learn before writing anything else that consent can
   * be recorded now (ConsentUnavailableError when the mirror cannot be read).
   */
  prepare(changes: readonly ConsentChange[], source: ConsentSource): Promise<PreparedConsent>;
  /** The pid's recorded consent (mirror, else ClickHouse); undefined when none is, and the site's default applies. */
  current(site: string, pid: string): Promise<number | undefined>;
  /** Drops the mirror of a pid (erasure); its rows are deleted by the caller. */
  forget(site: string, pid: string): Promise<void>;
}

export interface ConsentStoreOptions {
  /** Days consent rows and the consent log are kept (CALYPSO_AUDIT_RETENTION_DAYS). Default 1 096. */
  retentionDays?: number;
  /** Told of a request kept only in part (an I/O error on one spool outlasting the retries). */
  log?: Logger;
}

export interface ConsentSpools {
  readonly consents: Spool;
  readonly log: Spool;
}

/**
 * How long `prepare` waits for ClickHouse's copy of consents the mirror lost: 500 ms. Past it the change
 * is recorded with the earlier flags unknown, as when ClickHouse is down, so a hit never waits long on it.
 */
const STORED_READ_WAIT_MS = 500;

export function createConsentStore(spools: ConsentSpools, cache: Cache, reader: ConsentReader, options: ConsentStoreOptions = {}): ConsentStore {
  const retentionDays = options.retentionDays ?? 1_096;

  /**
   * The commit that last wrote each mirror entry in this process: an earlier commit of the same cookie
   * finishing later must not extend or delete the newer one's entry.
   */
  const owner = new Map<string, symbol>();

  const keptInPart = (failed: readonly SpoolPart[], error: unknown) =>
    options.log?.error({ err: error instanceof Error ? error.message : String(error), spools: failed.map((p) => p.spool.dir) }, 'a request was kept only in part: a spool kept failing after its other parts were durable');

  /** For the requests whose consent changed nothing: their events alone. */
  const appendOnly = async (parts: readonly SpoolPart[] = []): Promise<void> => {
    if (parts.length === 0) return;
    const outcome = await appendTogether(parts);
    if (outcome.kept === 'some') keptInPart(outcome.failed, outcome.error);
  };

  const storedOrNothing = async (site: string, pids: readonly string[]): Promise<ReadonlyMap<string, number>> => {
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<ReadonlyMap<string, number>>((resolve) => (timer = setTimeout(() => resolve(new Map()), STORED_READ_WAIT_MS)));
    try {
      return await Promise.race([reader.stored(site, pids).catch(() => new Map<string, number>()), giveUp]);
    } finally {
      clearTimeout(timer);
    }
  };

  const self: ConsentStore = {
    async record(changes, source) {
      const prepared = await self.prepare(changes, source);
      await prepared.commit();
      return prepared.count;
    },

    async prepare(changes, source) {
      const latest = new Map<string, ConsentChange>();
      // The last change for a (site, pid) in one request is the one that stands.
      for (const c of changes) latest.set(consentCacheKey(c.site, c.pseudonym.pid), c);
      const before = new Map<string, number | null>();
      const misses = new Map<string, string[]>();
      // NOTE: without the mirror a change could not reach the look-ups at once, and a mirror left
      // stale by an unrecorded change would outlive it: refuse rather than record half.
      // The reads go out together (written back to back, answered in one round trip), not one after another.
      const mirrored = await Promise.all([...latest.keys()].map((key) => cache.get(key))).catch(() => {
        throw new ConsentUnavailableError('consent cannot be recorded now; retry later');
      });
      let i = 0;
      for (const [key, c] of latest) {
        const m = mirrored[i++] ?? null;
        if (m === null) {
          const list = misses.get(c.site);
          if (list === undefined) misses.set(c.site, [c.pseudonym.pid]);
          else list.push(c.pseudonym.pid);
        }
        else before.set(key, Number(m));
      }
      // NOTE: a mirror miss (evicted, or Redis restarted) costs one read, so the log records only real
      // changes; what it finds unchanged is mirrored again (briefly, as any read-back), so the next hit
      // of the same cookie does not read ClickHouse again. ClickHouse down or slow: the change is
      // written anyway, logged with the earlier flags unknown.
      for (const [site, pids] of misses) {
        const found = await storedOrNothing(site, pids);
        for (const pid of pids) {
          const flags = found.get(pid);
          const key = consentCacheKey(site, pid);
          before.set(key, flags ?? null);
          if (flags !== undefined && flags === latest.get(key)!.flags) cache.setIfAbsent(key, String(flags), CONSENT_READBACK_TTL_MS).catch(() => {});
        }
      }
      const fresh = [...latest].filter(([key, c]) => before.get(key) !== c.flags);
      if (fresh.length === 0) return { count: 0, commit: appendOnly };
      const now = nowSql();
      const rows = fresh.map(([, c]) => ({ site: c.site, pid: c.pseudonym.pid, key_version: c.pseudonym.keyVersion, flags: c.flags, source, updated_at: now, retention_days: retentionDays }));
      const log = fresh.map(([key, c]) => ({
        site: c.site,
        pid: c.pseudonym.pid,
        key_version: c.pseudonym.keyVersion,
        flags_before: before.get(key) ?? null,
        flags_after: c.flags,
        source,
        changed_at: now,
        retention_days: retentionDays,
      }));
      const ndjson = (xs: object[]) => Buffer.from(`${xs.map((x) => JSON.stringify(x)).join('\n')}\n`);
      const me = Symbol('commit');
      const mine = () => fresh.filter(([key]) => owner.get(key) === me);
      const mirror = (ttlMs: number) => Promise.all(mine().map(([key, c]) => cache.set(key, String(c.flags), ttlMs)));
      // Back to "read it from ClickHouse", which holds only what was recorded.
      const unmirror = async () => {
        const keys = mine().map(([key]) => key);
        if (keys.length > 0) await cache.del(...keys).catch(() => {});
      };

      const commitNow = async (alongside: readonly SpoolPart[]): Promise<void> => {
        const consentParts: SpoolPart[] = [
          { spool: spools.consents, payload: ndjson(rows) },
          { spool: spools.log, payload: ndjson(log) },
        ];
        const parts = [...alongside, ...consentParts];
        // Refused before the mirror is touched; appendTogether checks again when it appends.
        if (!allFit(parts)) throw new SpoolFullError('the spool is over its disk budget');
        // NOTE: the mirror is written first: it is the fallible step that keeps nothing, so no error
        // can come after a durable append. It is provisional (a minute) until the change is durable,
        // so a change that is then not recorded, and whose rollback failed too, leaves the look-ups
        // within a minute. Look-ups may see it milliseconds before it is durable; the answer waits.
        // The default note goes too: were the mirror evicted, the note must not stand in for this change.
        try {
          await Promise.all([mirror(CONSENT_PROVISIONAL_TTL_MS), cache.del(...fresh.map(([, c]) => consentDefaultCacheKey(c.site, c.pseudonym.pid)))]);
        } catch {
          await unmirror();
          throw new ConsentUnavailableError('consent cannot be recorded now; retry later');
        }
        let outcome;
        try {
          outcome = await appendTogether(parts);
        } catch (err) {
          await unmirror();
          throw err;
        }
        if (outcome.kept === 'some') {
          keptInPart(outcome.failed, outcome.error);
          if (outcome.failed.some((p) => consentParts.includes(p))) return unmirror();
        }
        // Durable: mirrored as long as any recorded change. Should Redis fail just now, the provisional
        // entry expires and the look-ups read the recorded change from ClickHouse.
        await mirror(CONSENT_MIRROR_TTL_MS).catch(() => {});
      };

      return {
        count: fresh.length,
        async commit(alongside = []) {
          for (const [key] of fresh) owner.set(key, me);
          try {
            await commitNow(alongside);
          } finally {
            for (const [key] of fresh) if (owner.get(key) === me) owner.delete(key);
          }
        },
      };
    },

    current: (site, pid) => reader.current(site, pid),

    async forget(site, pid) {
      await cache.del(consentCacheKey(site, pid), consentDefaultCacheKey(site, pid));
    },
  };
  return self;
}
