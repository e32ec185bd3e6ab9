// API keys in ClickHouse (hashed), served from an in-memory snapshot on the hot path.
import type { EventStore } from '../store/eventStore.ts';
import { isoOf, nowSql } from '../store/sqlTime.ts';
import { TableSnapshot } from '../store/tableSnapshot.ts';
import { ADMIN_KEY_ID, hashSecret, newKeyId, newSecret, type ApiKey } from './apiKey.ts';
import type { Purpose } from './purposes.ts';

export interface ApiKeyStoreOptions {
  /** How often the snapshot is re-read, so keys made or revoked on other instances take effect. Default 5 000 ms; never on the embedded engine. */
  refreshMs?: number;
}

export type KeyLookup = { kind: 'ok'; key: ApiKey } | { kind: 'unknown' } | { kind: 'revoked'; key: ApiKey };

export interface ApiKeyStore {
  /**
   * The key a secret names. Answered without a promise from the copy in hand (the hot paths); a promise
   * only when the copy must be read first (a miss, or no fresh copy yet). The secret is hashed once.
   */
  lookup(secret: string): KeyLookup | Promise<KeyLookup>;
  /**
   * The key with this id (a dashboard session's), from the same copy as lookup: a key revoked on another
   * instance is seen within refreshMs. A promise only when the copy must be read first.
   */
  byId(id: string): KeyLookup | Promise<KeyLookup>;
  /** `sites: '*'` makes a key for every site, those made later included (stored as the list `['*']`). */
  create(input: { name: string; purposes: readonly Purpose[]; sites: readonly string[] | '*' }): Promise<{ key: ApiKey; secret: string }>;
  /** True when the key existed and was live; revocation is immediate on this instance. */
  revoke(id: string): Promise<boolean>;
  list(): Promise<ApiKey[]>;
}

interface Row {
  id: string;
  name: string;
  secret_sha256: string;
  purposes: Purpose[];
  sites: string[];
  created_at: string;
  revoked_at: string | null;
}

const SELECT = 'SELECT id, name, secret_sha256, purposes, sites, created_at, revoked_at FROM api_keys FINAL ORDER BY created_at';

/** How many recently presented secrets keep their digest in memory. */
const DIGEST_MEMO_SIZE = 64;

export function createApiKeyStore(store: EventStore, adminSecret: string, options: ApiKeyStoreOptions = {}): ApiKeyStore {
  const adminHash = hashSecret(adminSecret);
  // NOTE: an ad server sends the same secret thousands of times a second; its digest is remembered so
  // each look-up does not hash it again. Only secrets that matched a key are remembered, a bounded few,
  // and only secret → digest: which key a digest names (and whether it is revoked) is still read from
  // the current snapshot on every request. The raw secrets stay in this process's memory only, as they
  // do in every request's headers.
  const digests = new Map<string, string>();
  const admin: ApiKey = { id: ADMIN_KEY_ID, name: 'bootstrap admin key', purposes: ['ADMINISTRATION'], sites: '*', createdAt: '', revokedAt: null };
  const snapshot = new TableSnapshot(
    async () => {
      const rows = (await store.query<Row>(SELECT)).map((row) => ({ row, key: toKey(row) }));
      return { byHash: new Map(rows.map((r) => [r.row.secret_sha256, r.key])), byId: new Map(rows.map((r) => [r.row.id, r])) };
    },
    { byHash: new Map<string, ApiKey>(), byId: new Map<string, { row: Row; key: ApiKey }>() },
    // NOTE: as for sites (siteStore.ts), the embedded engine lives in this one process, so every key is
    // made and revoked here (both change the copy at once): no timed re-read. It was a ClickHouse query
    // every 2.5 s on the look-ups' core, whose threads the event loop waited behind (bench:segments' p99).
    { refreshMs: options.refreshMs ?? (store.mode === 'embedded' ? Number.POSITIVE_INFINITY : 5_000) },
  );
  /** Puts a row just written into the copy current now. */
  const remember = (row: Row): ApiKey => {
    const key = toKey(row);
    snapshot.value.byHash.set(row.secret_sha256, key);
    snapshot.value.byId.set(row.id, { row, key });
    return key;
  };

  const write = (row: Row) => store.insert('api_keys', [{ ...row, updated_at: nowSql() }]);

  /** The key a digest names in `byHash` (or the admin key), as a look-up answer; the digest is remembered when it names one. */
  const answer = (secret: string, hash: string, byHash: ReadonlyMap<string, ApiKey> | undefined): KeyLookup | undefined => {
    const key = hash === adminHash ? admin : byHash?.get(hash);
    if (key === undefined) return undefined;
    if (!digests.has(secret)) {
      if (digests.size >= DIGEST_MEMO_SIZE) digests.delete(digests.keys().next().value!);
      digests.set(secret, hash);
    }
    return key.revokedAt === null ? { kind: 'ok', key } : { kind: 'revoked', key };
  };

  return {
    lookup(secret) {
      const hash = digests.get(secret) ?? hashSecret(secret);
      // The admin key first (it needs no copy of the table), then the copy in hand.
      const now = answer(secret, hash, snapshot.peek()?.byHash);
      if (now !== undefined) return now;
      return (async () => answer(secret, hash, (await snapshot.fresh()).byHash) ?? answer(secret, hash, (await snapshot.afterMiss()).byHash) ?? { kind: 'unknown' })();
    },
    byId(id) {
      const of = (byId: ReadonlyMap<string, { key: ApiKey }> | undefined): KeyLookup | undefined => {
        const key = id === ADMIN_KEY_ID ? admin : byId?.get(id)?.key;
        if (key === undefined) return undefined;
        return key.revokedAt === null ? { kind: 'ok', key } : { kind: 'revoked', key };
      };
      const now = of(snapshot.peek()?.byId);
      if (now !== undefined) return now;
      return (async () => of((await snapshot.fresh()).byId) ?? of((await snapshot.afterMiss()).byId) ?? { kind: 'unknown' })();
    },
    async create(input) {
      const secret = newSecret();
      const row: Row = {
        id: newKeyId(),
        name: input.name,
        secret_sha256: hashSecret(secret),
        purposes: [...new Set(input.purposes)],
        sites: input.sites === '*' ? [ALL_SITES] : [...new Set(input.sites)],
        created_at: nowSql(),
        revoked_at: null,
      };
      await write(row);
      return { key: remember(row), secret };
    },
    async revoke(id) {
      const found = (await snapshot.reload()).byId.get(id);
      if (found === undefined || found.key.revokedAt !== null) return false;
      const row = { ...found.row, revoked_at: nowSql() };
      await write(row);
      remember(row);
      return true;
    },
    async list() {
      return [...(await snapshot.reload()).byId.values()].map((v) => v.key);
    },
  };
}

// NOTE: no site id can be '*' (siteInput's SITE_ID), so the stored list ['*'] cannot be mistaken for a site.
const ALL_SITES = '*';

function toKey(row: Row): ApiKey {
  return Object.freeze({
    id: row.id,
    name: row.name,
    purposes: Object.freeze([...row.purposes]),
    sites: row.sites.length === 1 && row.sites[0] === ALL_SITES ? '*' : Object.freeze([...row.sites]),
    createdAt: isoOf(row.created_at),
    revokedAt: row.revoked_at === null ? null : isoOf(row.revoked_at),
  });
}
