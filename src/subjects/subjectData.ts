// Everything held about one cookie's pseudonym, for subject requests (policy 4.1): export it, erase it
// (after copying it into the legal hold, policy 4.2), and read the held copy under a legal procedure.
import { randomBytes } from 'node:crypto';
import type { ConsentStore } from '../consent/consentStore.ts';
import type { Logger } from '../observability/logger.ts';
import type { EventRow } from '../privacy/toEventRow.ts';
import type { SegmentIndex } from '../segments/segmentIndex.ts';
import { LIVE_VERSIONS_SQL } from '../segments/segmentStore.ts';
import type { EventStore } from '../store/eventStore.ts';
import { isoOf, nowSql } from '../store/sqlTime.ts';
import type { VisitStateStore } from '../visits/visitStateStore.ts';
import type { ErasureTombstones } from './erasureTombstones.ts';

/** An event as stored, reduced; the pseudonym itself is not shown (it means nothing outside). */
export type StoredEvent = Omit<EventRow, 'site' | 'event_id' | 'pid' | 'key_version' | 'visitor_hash' | 'retention_days'>;

export interface StoredConsentChange {
  changed_at: string;
  source: string;
  flags_before: number | null;
  flags_after: number;
}

export interface SubjectRecord {
  events: StoredEvent[];
  consent: number | undefined;
  consentLog: StoredConsentChange[];
  segments: string[];
}

export interface ErasureReceipt {
  id: string;
  erasedAt: string;
  eventsErased: number;
  heldUntil: string;
}

export interface HeldRecord extends SubjectRecord {
  erasures: Array<{ id: string; erasedAt: string; heldUntil: string; reason: string }>;
}

export interface SubjectData {
  /** `pids`: the cookie's pseudonym under every key version (pseudonymiseAll), current first. */
  export(site: string, pids: readonly string[]): Promise<SubjectRecord & { legalHold: boolean }>;
  erase(site: string, pids: readonly string[], reason: string): Promise<ErasureReceipt>;
  /** The legal-hold copy, or undefined when nothing is held. */
  held(site: string, pids: readonly string[]): Promise<HeldRecord | undefined>;
  /** Schedules the repeat of every erasure of the last 10 minutes (at start); resolves with how many. */
  repeatRecent(): Promise<number>;
}

/** An erasure's legal-hold stamp: its id, when the rows were held, until when. */
interface Hold {
  readonly id: string;
  readonly at: string;
  readonly until: string;
}

/** How long after an erasure it is repeated, for hits another instance had in flight. */
const REPEAT_AFTER_MS = 5_000;
/** Erasures this recent are repeated again when an API instance starts: 10 minutes. */
const RECENT_REPEAT_WINDOW_MS = 600_000;

export interface SubjectDataDeps {
  store: EventStore;
  consents: ConsentStore;
  index: SegmentIndex;
  tombstones: ErasureTombstones;
  /** Writes this process's spools into ClickHouse, so nothing in flight escapes an erasure. */
  flushLocal: () => Promise<void>;
  /**
   * The collectors' visit state (docs/visits.md): a pid's open visits (entry page, times, counts) held
   * for up to two hours, in Redis or in this process's collector. Forgotten with the rest, so a later hit
   * opens a new visit.
   */
  visitState: Pick<VisitStateStore, 'forgetPid'>;
  /** Moves the site's statistics watermark: cached answers are recomputed without the subject. */
  bumpStats: (site: string) => Promise<void>;
  legalHoldDays: number;
  log: Logger;
}

const EVENT_COLUMNS =
  'ts, type, name, host, path, referrer_source, referrer_host, utm_source, utm_medium, utm_campaign, utm_term, utm_content, browser, os, device, screen, language, country, region, is_bot, consent, engagement_ms, props';

/**
 * The tables an erasure copies and clears, the kind each is held under, and the column saying when a
 * row was given (an erasure's repeat takes only rows from up to the erasure). Segment members are
 * derived and recomputed by the next refresh: the repeat takes all of them.
 */
const ERASED: ReadonlyArray<{ table: string; kind: string; time?: string }> = [
  { table: 'events', kind: 'event', time: 'ts' },
  { table: 'consents', kind: 'consent', time: 'updated_at' },
  { table: 'consent_log', kind: 'consent_log', time: 'changed_at' },
  { table: 'segment_members', kind: 'segment' },
];

export function createSubjectData(deps: SubjectDataDeps): SubjectData {
  const { store, consents, index, tombstones, visitState, flushLocal, bumpStats, log } = deps;
  const p = (site: string, pids: readonly string[]) => ({ site, pids: pids.map(BigInt) });
  /** The recorded consent under the newest key version that has one. */
  const recorded = async (site: string, pids: readonly string[]) => {
    for (const pid of pids) {
      const flags = await consents.current(site, pid);
      if (flags !== undefined) return flags;
    }
    return undefined;
  };

  const read = async (site: string, pids: readonly string[]): Promise<SubjectRecord> => {
    const [events, log, segments, consent] = await Promise.all([
      store.query<StoredEvent>(`SELECT ${EVENT_COLUMNS} FROM events WHERE site = {site:String} AND pid IN {pids:Array(UInt64)} ORDER BY ts`, p(site, pids)),
      store.query<StoredConsentChange>(
        'SELECT changed_at, source, flags_before, flags_after FROM consent_log WHERE site = {site:String} AND pid IN {pids:Array(UInt64)} ORDER BY changed_at',
        p(site, pids),
      ),
      store.queryColumn(
        `SELECT DISTINCT segment_id FROM segment_members WHERE site = {site:String} AND pid IN {pids:Array(UInt64)}
           AND (segment_id, version) IN (${LIVE_VERSIONS_SQL})
         ORDER BY segment_id`,
        p(site, pids),
      ),
      recorded(site, pids),
    ]);
    return { events, consent, consentLog: log, segments };
  };

  /**
   * The rows of each table an erasure takes: all of the pids' rows, or (an erasure's repeat, `before`
   * its time) those from up to then, so a hit or consent the subject gave after the erasure is kept.
   */
  const upTo = (column: string | undefined, before: string | undefined) => (before === undefined || column === undefined ? '' : ` AND ${column} <= {before:DateTime64(3)}`);
  const args = (site: string, pids: readonly string[], before: string | undefined) => ({ ...p(site, pids), ...(before === undefined ? {} : { before }) });

  /** Copies the pids' rows into legal_hold under the erasure's id, before they are deleted. */
  const holdCopy = async (site: string, pids: readonly string[], hold: Hold, before?: string) => {
    for (const { table, kind, time } of ERASED) {
      await store.command(
        `INSERT INTO legal_hold (erasure_id, site, pid, kind, row, held_at, held_until)
         SELECT {id:String}, site, pid, {kind:String}, formatRowNoNewline('JSONEachRow', *), {at:DateTime64(3)}, {until:DateTime64(3)}
         FROM ${table} WHERE site = {site:String} AND pid IN {pids:Array(UInt64)}${upTo(time, before)}`,
        { ...args(site, pids, before), ...hold, kind },
      );
    }
  };

  /** Deletes the pids' rows (up to `before`, as holdCopy) everywhere they are stored. */
  const clear = async (site: string, pids: readonly string[], before?: string) => {
    const of = `site = {site:String} AND pid IN {pids:Array(UInt64)}`;
    for (const { table, time } of ERASED) await store.command(`DELETE FROM ${table} WHERE ${of}${upTo(time, before)}`, args(site, pids, before));
    // Visits are made of the events (docs/visits.md): nothing in them is held that the events do not hold.
    // An alias names the visit it was merged into; a visit begun after the erasure never absorbs an
    // earlier one (visitAssigner.ts), so the aliases to go are those into the visits that go, first.
    const aliases = before === undefined ? '' : ` AND alias_of IN (SELECT visit_id FROM visits WHERE ${of}${upTo('start', before)})`;
    await store.command(`DELETE FROM visit_aliases WHERE ${of}${aliases}`, args(site, pids, before));
    await store.command(`DELETE FROM visits WHERE ${of}${upTo('start', before)}`, args(site, pids, before));
  };

  // NOTE: a collector that placed a hit of the pid just before the erasure may write its visit state back
  // after this; the repeat forgets it again, and meanwhile the collector's own check (visitAssigner.ts)
  // continues no visit that started before the erasure. The repeat (`erasedAtMs`) keeps what began after.
  const forgetAll = (site: string, pids: readonly string[], erasedAtMs?: number) =>
    Promise.all([...pids.flatMap((pid) => [consents.forget(site, pid), index.forget(site, pid), visitState.forgetPid(site, pid, erasedAtMs)]), bumpStats(site)]);

  /**
   * Repeats an erasure REPEAT_AFTER_MS after it was made.
   * NOTE: a hit another instance accepted just before its copy of the tombstones caught up may still be
   * in its spool; once that window has passed, late rows are held as the first ones were (those are
   * deleted by then, so nothing is held twice) and deleted. Erasures made shortly before a restart are
   * scheduled again at start (repeatRecent), so the repeat is not lost with the process.
   */
  const scheduleRepeat = (site: string, pids: readonly string[], hold: Hold, erasedAtMs: number) => {
    setTimeout(
      () => {
        // Hits are refused when stamped at or before the erasure (ingest.ts): later ones are the subject's own.
        const before = nowSql(new Date(erasedAtMs));
        holdCopy(site, pids, hold, before)
          .then(() => clear(site, pids, before))
          .then(() => forgetAll(site, pids, erasedAtMs))
          .catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err), erasure: hold.id }, 'repeating an erasure failed'));
      },
      Math.max(0, erasedAtMs + REPEAT_AFTER_MS - Date.now()),
    ).unref();
  };

  return {
    async repeatRecent() {
      const rows = await store.query<{ id: string; site: string; pids: string[]; at: string; until: string }>(
        `SELECT id, site, groupArray(toString(pid)) AS pids, toUnixTimestamp64Milli(any(erased_at)) AS at, toUnixTimestamp64Milli(any(held_until)) AS until
         FROM erasures WHERE erased_at > now64(3) - toIntervalMillisecond({window:UInt32}) GROUP BY id, site`,
        { window: RECENT_REPEAT_WINDOW_MS },
      );
      for (const r of rows) scheduleRepeat(r.site, r.pids, { id: r.id, at: nowSql(new Date(Number(r.at))), until: nowSql(new Date(Number(r.until))) }, Number(r.at));
      return rows.length;
    },

    async export(site, pids) {
      const [record, held] = await Promise.all([
        read(site, pids),
        // NOTE: from the tombstones, not legal_hold: only legalHold (LEGAL_OBLIGATION) reads that table.
        store.query<{ n: string }>('SELECT count() AS n FROM erasures WHERE site = {site:String} AND pid IN {pids:Array(UInt64)} AND held_until > now64(3)', p(site, pids)),
      ]);
      return { ...record, legalHold: Number(held[0]?.n ?? 0) > 0 };
    },

    async erase(site, pids, reason) {
      const erasedAt = new Date();
      const heldUntil = new Date(erasedAt.getTime() + deps.legalHoldDays * 86_400_000);
      const id = `era_${randomBytes(8).toString('hex')}`;
      // 1. From now on this instance's collector refuses the pid's hits stamped before now.
      for (const pid of pids) tombstones.add(site, pid, erasedAt.getTime());
      // 2. What this process accepted before now reaches ClickHouse, so the copy and the delete see it.
      await flushLocal();
      const [{ n } = { n: '0' }] = await store.query<{ n: string }>('SELECT count() AS n FROM events WHERE site = {site:String} AND pid IN {pids:Array(UInt64)}', p(site, pids));
      // 3. The legal-hold copy first: once deleted, nothing else holds the data.
      const hold: Hold = { id, at: nowSql(erasedAt), until: nowSql(heldUntil) };
      await holdCopy(site, pids, hold);
      // 4. The tombstone, durable, for the other instances and for late imports.
      await store.insert(
        'erasures',
        pids.map((pid) => ({ id, site, pid, erased_at: nowSql(erasedAt), reason, events_erased: Number(n), held_until: nowSql(heldUntil) })),
      );
      // 5. Delete everywhere: ClickHouse, the consent mirror, the segment index, the visit state; statistics recomputed.
      await clear(site, pids);
      await forgetAll(site, pids);
      scheduleRepeat(site, pids, hold, erasedAt.getTime());
      return { id, erasedAt: erasedAt.toISOString(), eventsErased: Number(n), heldUntil: heldUntil.toISOString() };
    },

    async held(site, pids) {
      const rows = await store.query<{ erasure_id: string; kind: string; row: string; held_at: string; held_until: string }>(
        'SELECT erasure_id, kind, row, held_at, held_until FROM legal_hold WHERE site = {site:String} AND pid IN {pids:Array(UInt64)} AND held_until > now64(3) ORDER BY held_at',
        p(site, pids),
      );
      if (rows.length === 0) return undefined;
      const reasons = await store.query<{ id: string; reason: string }>('SELECT id, reason FROM erasures WHERE site = {site:String} AND pid IN {pids:Array(UInt64)}', p(site, pids));
      const reasonOf = new Map(reasons.map((r) => [r.id, r.reason]));
      const of = (kind: string) => rows.filter((r) => r.kind === kind).map((r) => JSON.parse(r.row) as Record<string, unknown>);
      const lastConsent = of('consent').at(-1) as { flags?: number } | undefined;
      const erasures = new Map<string, HeldRecord['erasures'][number]>();
      for (const r of rows) erasures.set(r.erasure_id, { id: r.erasure_id, erasedAt: isoOf(r.held_at), heldUntil: isoOf(r.held_until), reason: reasonOf.get(r.erasure_id) ?? '' });
      return {
        erasures: [...erasures.values()],
        events: of('event') as unknown as StoredEvent[],
        consent: lastConsent?.flags,
        consentLog: of('consent_log') as unknown as StoredConsentChange[],
        segments: [...new Set(of('segment').map((r) => String(r.segment_id)))],
      };
    },
  };
}
