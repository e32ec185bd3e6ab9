// Sites in ClickHouse, served from an in-memory snapshot: the collector checks every hit against it.
import type { EventStore } from '../store/eventStore.ts';
import { isoOf, nowSql } from '../store/sqlTime.ts';

export interface Site {
  readonly id: string;
  readonly name: string;
  /** Normalised (lower-case, punycode) host names. */
  readonly hostnames: readonly string[];
  readonly timezone: string;
  readonly kAnonymity: number;
  readonly retentionDays: number;
  /** Consent flags a hit gets when it carries none (consentFlags.ts). */
  readonly defaultConsent: number;
  readonly createdAt: string;
}

export interface SiteStoreOptions {
  /** How often the snapshot is re-read for sites made on other instances. Default 5 000 ms. */
  refreshMs?: number;
}

export interface SiteStore {
  get(id: string): Promise<Site | undefined>;
  list(): Promise<Site[]>;
  /** Whether any site registers this (normalised) host name; for CORS. */
  isRegisteredHost(host: string): Promise<boolean>;
  /** Creates a site; false when the id is taken. Input must be validated already (siteInput.ts). */
  create(site: Omit<Site, 'createdAt'>): Promise<Site | undefined>;
}

interface Row {
  id: string;
  name: string;
  hostnames: string[];
  timezone: string;
  k_anonymity: number;
  retention_days: number;
  default_consent: number;
  created_at: string;
}

export function createSiteStore(store: EventStore, options: SiteStoreOptions = {}): SiteStore {
  const refreshMs = options.refreshMs ?? 5_000;
  let sites = new Map<string, Site>();
  let hosts = new Set<string>();
  let loadedAt = 0;
  let loading: Promise<void> | undefined;

  const load = (): Promise<void> =>
    (loading ??= (async () => {
      try {
        const rows = await store.query<Row>('SELECT id, name, hostnames, timezone, k_anonymity, retention_days, default_consent, created_at FROM sites FINAL ORDER BY id');
        sites = new Map(rows.map((r) => [r.id, toSite(r)]));
        hosts = new Set(rows.flatMap((r) => r.hostnames));
        loadedAt = Date.now();
      } finally {
        loading = undefined;
      }
    })());

  return {
    async get(id) {
      if (Date.now() - loadedAt > refreshMs) await load();
      let site = sites.get(id);
      if (site === undefined && Date.now() - loadedAt > 1_000) {
        await load();
        site = sites.get(id);
      }
      return site;
    },
    async isRegisteredHost(host) {
      if (Date.now() - loadedAt > refreshMs) await load();
      return hosts.has(host);
    },
    async list() {
      await load();
      return [...sites.values()];
    },
    async create(input) {
      await load();
      // NOTE: two admins creating the same id at the same instant on two instances both succeed and
      // the later row wins; ids are chosen by people, so this is accepted rather than locked.
      if (sites.has(input.id)) return undefined;
      const now = nowSql();
      const row: Row = {
        id: input.id,
        name: input.name,
        hostnames: [...input.hostnames],
        timezone: input.timezone,
        k_anonymity: input.kAnonymity,
        retention_days: input.retentionDays,
        default_consent: input.defaultConsent,
        created_at: now,
      };
      await store.insert('sites', [{ ...row, updated_at: now }]);
      const site = toSite(row);
      sites.set(site.id, site);
      for (const h of site.hostnames) hosts.add(h);
      return site;
    },
  };
}

function toSite(r: Row): Site {
  return Object.freeze({
    id: r.id,
    name: r.name,
    hostnames: Object.freeze([...r.hostnames]),
    timezone: r.timezone,
    kAnonymity: Number(r.k_anonymity),
    retentionDays: Number(r.retention_days),
    defaultConsent: Number(r.default_consent),
    createdAt: isoOf(r.created_at),
  });
}
