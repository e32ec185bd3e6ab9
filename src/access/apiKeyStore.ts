// API keys in ClickHouse (hashed), served from an in-memory snapshot on the hot path.
import type { EventStore } from '../store/eventStore.ts';
import { isoOf, nowSql } from '../store/sqlTime.ts';
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
  const refreshMs = options.refreshMs ?? 5_000;
  const adminHash = hashSecret(adminSecret);
  const admin: ApiKey = { id: ADMIN_KEY_ID, name: 'bootstrap admin key', purposes: ['ADMINISTRATION'], sites: '*', createdAt: '', revokedAt: null };
  let byHash = new Map<string, ApiKey>();
  let byId = new Map<string, { row: Row; key: ApiKey }>();
  let loadedAt = 0;
  let loading: Promise<void> | undefined;

  const load = (): Promise<void> =>
    (loading ??= (async () => {
      try {
        const rows = await store.query<Row>(SELECT);
        const h = new Map<string, ApiKey>();
        const i = new Map<string, { row: Row; key: ApiKey }>();
        for (const row of rows) {
          const key = toKey(row);
          h.set(row.secret_sha256, key);
          i.set(row.id, { row, key });
        }
        byHash = h;
        byId = i;
        loadedAt = Date.now();
      } finally {
        loading = undefined;
      }
    })());

  const fresh = async (): Promise<void> => {
    if (Date.now() - loadedAt > refreshMs) await load();
  };

  const write = (row: Row) => store.insert('api_keys', [{ ...row, updated_at: nowSql() }]);

  return {
    async lookup(secret) {
      const hash = hashSecret(secret);
      if (hash === adminHash) return { kind: 'ok', key: admin };
      await fresh();
      let key = byHash.get(hash);
      // A key made on another instance moments ago: re-read once, at most every second.
      if (key === undefined && Date.now() - loadedAt > 1_000) {
        await load();
        key = byHash.get(hash);
      }
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
      const key = toKey(row);
      byHash.set(row.secret_sha256, key);
      byId.set(row.id, { row, key });
      return { key, secret };
    },
    async revoke(id) {
      await load();
      const found = byId.get(id);
      if (found === undefined || found.key.revokedAt !== null) return false;
      const row = { ...found.row, revoked_at: nowSql() };
      await write(row);
      const key = toKey(row);
      byHash.set(row.secret_sha256, key);
      byId.set(id, { row, key });
      return true;
    },
    async list() {
      await load();
      return [...byId.values()].map((v) => v.key);
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
