// Sites in ClickHouse, served from an in-memory snapshot: the collector checks every hit against it.
import type { EventStore } from '../store/eventStore.ts';
import { isoOf, nowSql } from '../store/sqlTime.ts';
import { TableSnapshot } from '../store/tableSnapshot.ts';

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
  /** How often the snapshot is re-read for sites made on other instances. Default 5 000 ms; never on the embedded engine. */
  refreshMs?: number;
}

export interface SiteStore {
  get(id: string): Promise<Site | undefined>;
  /** As get(), answered from the copy in hand: undefined when that needs a read first (a miss, or no copy yet). */
  peek(id: string): Site | undefined;
  list(): Promise<Site[]>;
  /** Whether any site registers this (normalised) host name; for CORS. */
  isRegisteredHost(host: string): Promise<boolean>;
  /** Creates a site; false when the id is taken. Input must be validated already (siteInput.ts). */
  create(site: Omit<Site, 'createdAt'>): Promise<Site | undefined>;
  /**
   * Replaces a site's settings (all of them but id and createdAt); undefined when no such site. Input
   * must be validated already. This instance's copy changes at once; others see it within refreshMs.
   */
  update(site: Omit<Site, 'createdAt'>): Promise<Site | undefined>;
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

const COLUMNS = 'id, name, hostnames, timezone, k_anonymity, retention_days, default_consent, created_at';

/** The stored row of a site's settings (create and update write the same shape). */
function toRow(input: Omit<Site, 'createdAt'>, createdAt: string): Row {
  return {
    id: input.id,
    name: input.name,
    hostnames: [...input.hostnames],
    timezone: input.timezone,
    k_anonymity: input.kAnonymity,
    retention_days: input.retentionDays,
    default_consent: input.defaultConsent,
    created_at: createdAt,
  };
}

export function createSiteStore(store: EventStore, options: SiteStoreOptions = {}): SiteStore {
  const snapshot = new TableSnapshot(
    async () => {
      const rows = await store.query<Row>(`SELECT ${COLUMNS} FROM sites FINAL ORDER BY id`);
      return { sites: new Map(rows.map((r) => [r.id, toSite(r)])), hosts: new Set(rows.flatMap((r) => r.hostnames)) };
    },
    { sites: new Map<string, Site>(), hosts: new Set<string>() },
    // NOTE: the embedded engine lives in this one process, so every site is made here (create adds it to
    // the copy, a miss re-reads): no timed re-read, which a sparse hit would wait for behind a long
    // statement (an erasure's DELETE) holding the engine.
    { refreshMs: options.refreshMs ?? (store.mode === 'embedded' ? Number.POSITIVE_INFINITY : 5_000) },
  );

  return {
    async get(id) {
      return (await snapshot.fresh()).sites.get(id) ?? (await snapshot.afterMiss()).sites.get(id);
    },
    peek(id) {
      return snapshot.peek()?.sites.get(id);
    },
    async isRegisteredHost(host) {
      return (await snapshot.fresh()).hosts.has(host);
    },
    async list() {
      // On the embedded engine the copy is whole (NOTE above): the dashboard's first call needs no read.
      return [...(await snapshot.listing()).sites.values()];
    },
    async create(input) {
      const { sites } = await snapshot.reload();
      // NOTE: two admins creating the same id at the same instant on two instances both succeed and
      // the later row wins; ids are chosen by people, so this is accepted rather than locked.
      if (sites.has(input.id)) return undefined;
      const now = nowSql();
      const row = toRow(input, now);
      await store.insert('sites', [{ ...row, updated_at: now }]);
      const site = toSite(row);
      // Into the copy current now: a re-read may have replaced the one checked above.
      snapshot.value.sites.set(site.id, site);
      for (const h of site.hostnames) snapshot.value.hosts.add(h);
      return site;
    },
    async update(input) {
      // The row as stored now (another instance may have changed it since our copy was read).
      const [current] = await store.query<Row & { updated_at: string }>(
        `SELECT ${COLUMNS}, updated_at FROM sites FINAL WHERE id = {id:String}`,
        { id: input.id },
      );
      if (current === undefined) return undefined;
      const row = toRow(input, nowSql(new Date(isoOf(current.created_at))));
      // NOTE: the newest updated_at wins in ReplacingMergeTree: never older than the row replaced, so an
      // instance whose clock lags still replaces it. Two admins updating one site at once: the later wins.
      const previous = Date.parse(isoOf(current.updated_at));
      const now = Date.now();
      await store.insert('sites', [{ ...row, updated_at: nowSql(new Date(Math.max(now, previous + 1))) }]);
      const site = toSite(row);
      // Into the copy current now, host names rebuilt so a removed one stops being accepted here at once.
      const copy = snapshot.value;
      copy.sites.set(site.id, site);
      copy.hosts.clear();
      for (const s of copy.sites.values()) for (const h of s.hostnames) copy.hosts.add(h);
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
