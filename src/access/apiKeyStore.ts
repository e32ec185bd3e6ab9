// API keys in ClickHouse (hashed), served from an in-memory snapshot on the hot path.
import type { EventStore } from '../store/eventStore.ts';
import { isoOf, nowSql } from '../store/sqlTime.ts';
import { TableSnapshot } from '../store/tableSnapshot.ts';
import { ADMIN_KEY_ID, hashSecret, newKeyId, newSecret, type ApiKey } from './apiKey.ts';
import type { Purpose } from './purposes.ts';

export interface ApiKeyStoreOptions {
  /** How often the snapshot is re-read, so keys made or revoked on other instances take effect. Default 5 000 ms. */
  refreshMs?: number;
}

export type KeyLookup = { kind: 'ok'; key: ApiKey } | { kind: 'unknown' } | { kind: 'revoked'; key: ApiKey };

export interface ApiKeyStore {
  lookup(secret: string): Promise<KeyLookup>;
  create(input: { name: string; purposes: readonly Purpose[]; sites: readonly string[] }): Promise<{ key: ApiKey; secret: string }>;
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

export function createApiKeyStore(store: EventStore, adminSecret: string, options: ApiKeyStoreOptions = {}): ApiKeyStore {
  const adminHash = hashSecret(adminSecret);
  const admin: ApiKey = { id: ADMIN_KEY_ID, name: 'bootstrap admin key', purposes: ['ADMINISTRATION'], sites: '*', createdAt: '', revokedAt: null };
  const snapshot = new TableSnapshot(
    async () => {
      const rows = (await store.query<Row>(SELECT)).map((row) => ({ row, key: toKey(row) }));
      return { byHash: new Map(rows.map((r) => [r.row.secret_sha256, r.key])), byId: new Map(rows.map((r) => [r.row.id, r])) };
    },
    { byHash: new Map<string, ApiKey>(), byId: new Map<string, { row: Row; key: ApiKey }>() },
    { refreshMs: options.refreshMs ?? 5_000 },
  );
  /** Puts a row just written into the copy current now. */
  const remember = (row: Row): ApiKey => {
    const key = toKey(row);
    snapshot.value.byHash.set(row.secret_sha256, key);
    snapshot.value.byId.set(row.id, { row, key });
    return key;
  };

  const write = (row: Row) => store.insert('api_keys', [{ ...row, updated_at: nowSql() }]);

  return {
    async lookup(secret) {
      const hash = hashSecret(secret);
      if (hash === adminHash) return { kind: 'ok', key: admin };
      const key = (await snapshot.fresh()).byHash.get(hash) ?? (await snapshot.afterMiss()).byHash.get(hash);
      if (key === undefined) return { kind: 'unknown' };
      return key.revokedAt === null ? { kind: 'ok', key } : { kind: 'revoked', key };
    },
    async create(input) {
      const secret = newSecret();
      const row: Row = {
        id: newKeyId(),
        name: input.name,
        secret_sha256: hashSecret(secret),
        purposes: [...new Set(input.purposes)],
        sites: [...new Set(input.sites)],
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

function toKey(row: Row): ApiKey {
  return Object.freeze({
    id: row.id,
    name: row.name,
    purposes: Object.freeze([...row.purposes]),
    sites: Object.freeze([...row.sites]),
    createdAt: isoOf(row.created_at),
    revokedAt: row.revoked_at === null ? null : isoOf(row.revoked_at),
  });
}
