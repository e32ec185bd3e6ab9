// The record of processing (152-FZ; policy 8.1): every place Calypso stores something, what it holds, how
// long and why. One source: the privacyNotice query answers it and README.md's "What is stored" table is
// the English text of it (test/unit/recordOfProcessing.test.ts checks they match row for row).
// `code spans` are kept as in the README; the dashboard renders them as code.

export type NoticeLanguage = 'en' | 'ru';

export interface ProcessingRecord {
  /** The table (or place) as the README names it. */
  table: string;
  holds: string;
  kept: string;
  why: string;
}

type Text = Record<NoticeLanguage, string>;

interface Entry {
  table: string;
  holds: Text;
  kept: Text;
  why: Text;
}

const ENTRIES: readonly Entry[] = [
  {
    table: '`events`',
    holds: {
      en: 'one row per hit: site, time, keyed 64-bit pseudonym (`pid`, HMAC-SHA-256 of site and cookie id under a versioned key; 0 without a cookie or statistics consent) or a visitor hash keyed by a salt that lives one day (plus the 72 h a late hit may take); host, path (e-mails, phone numbers, long tokens redacted), `utm_*`, referrer host and class, browser/OS/device family, bot flag, country and region, screen, language, consent at hit time, the id of its visit and the visitor key statistics count (`pid`, or without one a hash of the day and the visitor hash)',
      ru: 'одна строка на хит: сайт, время, 64-битный псевдоним с ключом (`pid`, HMAC-SHA-256 от сайта и идентификатора cookie на версионируемом ключе; 0 без cookie или без согласия на статистику) или хеш посетителя на соли, живущей один день (плюс 72 ч на запоздавший хит); хост, путь (e-mail, телефоны, длинные токены вымараны), `utm_*`, хост и класс источника перехода, семейство браузера/ОС/устройства, признак бота, страна и регион, экран, язык, согласие на момент хита, идентификатор его визита и ключ посетителя для статистики (`pid`, а без него хеш дня и хеша посетителя)',
    },
    kept: { en: "the site's `retentionDays` (default 395), by row TTL", ru: '`retentionDays` сайта (по умолчанию 395), TTL строк' },
    why: { en: 'statistics (2.2.5), segments (2.2.4)', ru: 'статистика (2.2.5), сегменты (2.2.4)' },
  },
  {
    table: '`visits`, `visit_aliases`',
    holds: {
      en: "one row per version of each visit, made of its hits at ingest: the visitor's `pid` or the day's visitor hash, start and end, counts of hits, pageviews and events, entry and exit page, the distinct (path, event name) pairs of its hits (at most 64), and the first hit's host, referrer, `utm_*`, browser/OS/device, screen, language, country, region; and which visit a merged one became",
      ru: 'одна строка на версию каждого визита, собранного из его хитов при приёме: `pid` посетителя или дневной хеш посетителя, начало и конец, число хитов, просмотров и событий, страница входа и выхода, различные пары (путь, имя события) его хитов (не более 64), а также хост, источник перехода, `utm_*`, браузер/ОС/устройство, экран, язык, страна и регион первого хита; и в какой визит слился объединённый',
    },
    kept: { en: "as the events: the site's `retentionDays`, by row TTL; erased with them", ru: 'как события: `retentionDays` сайта, TTL строк; удаляются вместе с ними' },
    why: { en: 'statistics (2.2.5): visits, bounce rate, visit duration, entry and exit pages', ru: 'статистика (2.2.5): визиты, отказы, длительность визита, страницы входа и выхода' },
  },
  {
    table: '`consents`',
    holds: { en: 'the current consent flags per (site, pid), with source and time; mirrored in the cache', ru: 'текущие флаги согласия по (сайт, pid), с источником и временем; копия в кеше' },
    kept: { en: '`CALYPSO_AUDIT_RETENTION_DAYS` (default 1 096) after the last change', ru: '`CALYPSO_AUDIT_RETENTION_DAYS` (по умолчанию 1 096) после последнего изменения' },
    why: { en: 'which uses are allowed (5.1)', ru: 'какие использования разрешены (5.1)' },
  },
  {
    table: '`consent_log`',
    holds: { en: 'every consent change: time, source, flags before and after', ru: 'каждое изменение согласия: время, источник, флаги до и после' },
    kept: { en: '`CALYPSO_AUDIT_RETENTION_DAYS`', ru: '`CALYPSO_AUDIT_RETENTION_DAYS`' },
    why: { en: 'proof of consent (152-FZ art. 9)', ru: 'подтверждение согласия (152-ФЗ ст. 9)' },
  },
  {
    table: '`segments`',
    holds: { en: 'every version of every segment definition: site, name, rule, refresh period', ru: 'каждая версия каждого определения сегмента: сайт, имя, правило, период обновления' },
    kept: { en: 'always (no personal data)', ru: 'всегда (персональных данных нет)' },
    why: { en: 'the audit of targeting rules', ru: 'аудит правил таргетинга' },
  },
  {
    table: '`segment_state`',
    holds: { en: "per segment: the live version, its size, when it was built, the last refresh's error", ru: 'по сегменту: действующая версия, её размер, время сборки, ошибка последнего обновления' },
    kept: { en: 'until changed', ru: 'до изменения' },
    why: { en: 'serving the live version of each segment (no personal data)', ru: 'выдача действующей версии каждого сегмента (персональных данных нет)' },
  },
  {
    table: '`segment_members`',
    holds: { en: '(site, segment, version, pid) of each materialised version, only pids that consented to advertising', ru: '(сайт, сегмент, версия, pid) каждой собранной версии, только pid с согласием на рекламу' },
    kept: { en: 'until the next version is live, at most 7 days (TTL)', ru: 'до вступления следующей версии, не более 7 дней (TTL)' },
    why: { en: 'ad targeting with consent (2.2.4)', ru: 'рекламный таргетинг с согласия (2.2.4)' },
  },
  {
    table: 'Redis `seg:*`',
    holds: { en: 'the live version of each segment and its pids (the look-up index)', ru: 'действующая версия каждого сегмента и её pid (индекс для запросов)' },
    kept: { en: 'until the next version is live', ru: 'до вступления следующей версии' },
    why: { en: 'look-ups in milliseconds', ru: 'ответы на запросы за миллисекунды' },
  },
  {
    table: 'Redis `vis:*`',
    holds: {
      en: "each visitor's visits of the last two hours as the `visits` table holds them (with `REDIS_URL`; in the collector's memory otherwise)",
      ru: 'визиты каждого посетителя за последние два часа в том виде, в каком их хранит таблица `visits` (с `REDIS_URL`; иначе в памяти сборщика)',
    },
    kept: {
      en: "two hours after the visitor's last hit (key expiry); an erasure deletes the cookie's at once",
      ru: 'два часа после последнего хита посетителя (срок жизни ключа); удаление данных по запросу стирает визиты этой cookie сразу',
    },
    why: { en: 'placing each hit in its visit, whichever collector takes it', ru: 'отнесение каждого хита к его визиту, какой бы сборщик его ни принял' },
  },
  {
    table: '`erasures`',
    holds: { en: 'tombstones: site, pid, time, reason, events erased', ru: 'отметки об удалении: сайт, pid, время, причина, число удалённых событий' },
    kept: { en: '3 660 days, past the longest retention a site may have', ru: '3 660 дней, дольше самого долгого срока хранения сайта' },
    why: { en: 'keeping erased data from coming back with late hits or imports (4.1)', ru: 'чтобы удалённые данные не вернулись с запоздавшими хитами или импортом (4.1)' },
  },
  {
    table: '`legal_hold`',
    holds: { en: 'erased rows, as JSON, with the erasure id', ru: 'удалённые строки в JSON, с идентификатором удаления' },
    kept: { en: '`CALYPSO_LEGAL_HOLD_DAYS` (default 365)', ru: '`CALYPSO_LEGAL_HOLD_DAYS` (по умолчанию 365)' },
    why: { en: 'the legal period (4.2); readable only under `LEGAL_OBLIGATION`', ru: 'срок, требуемый законом (4.2); читается только для цели `LEGAL_OBLIGATION`' },
  },
  {
    table: '`audit_log`',
    holds: {
      en: 'one row per operation, GraphQL or REST (cookie look-ups and refused requests summed per second): key, purpose, fields, sites, outcome, rows, `detail` (a transfer\'s recipient, an erasure\'s reason, a legal basis, an import\'s counts); client values cut to 64 characters',
      ru: 'одна строка на операцию GraphQL или REST (запросы по cookie и отказы суммируются посекундно): ключ, цель, поля, сайты, исход, строки, `detail` (получатель передачи, причина удаления, правовое основание, итоги импорта); значения клиента обрезаны до 64 символов',
    },
    kept: { en: '`CALYPSO_AUDIT_RETENTION_DAYS`', ru: '`CALYPSO_AUDIT_RETENTION_DAYS`' },
    why: { en: 'accountability (3.2, 6.1)', ru: 'подотчётность (3.2, 6.1)' },
  },
  {
    table: '`import_batches`',
    holds: { en: 'the id of each import batch stored and the answer given (counts and refusal messages)', ru: 'идентификатор каждого сохранённого пакета импорта и данный ответ (счётчики и сообщения об отказах)' },
    kept: { en: '365 days', ru: '365 дней' },
    why: { en: 'storing an imported event once (no personal data)', ru: 'чтобы импортированное событие сохранялось один раз (персональных данных нет)' },
  },
  {
    table: '`data/spool/`',
    holds: { en: 'events, visits and their aliases, consents, consent log, audit rows and import batch ids not yet in ClickHouse, already reduced', ru: 'события, визиты и их псевдонимы, согласия, журнал согласий, строки аудита и идентификаторы пакетов импорта, ещё не записанные в ClickHouse, уже сокращённые' },
    kept: { en: 'until delivered', ru: 'до доставки' },
    why: { en: 'no acknowledged hit is lost', ru: 'ни один принятый хит не теряется' },
  },
  {
    table: '`sites`, `api_keys`',
    holds: { en: 'site settings; key names, purposes, sites, SHA-256 of secrets', ru: 'настройки сайтов; имена ключей, цели, сайты, SHA-256 секретов' },
    kept: { en: 'until changed', ru: 'до изменения' },
    why: { en: 'access control', ru: 'разграничение доступа' },
  },
  {
    table: '`schema_migrations`',
    holds: { en: 'applied migrations', ru: 'применённые миграции' },
    kept: { en: 'always', ru: 'всегда' },
    why: { en: 'upgrading the tables safely (no personal data)', ru: 'безопасное обновление таблиц (персональных данных нет)' },
  },
];

/** The record in one language, in the README's order. */
export function recordOfProcessing(language: NoticeLanguage): ProcessingRecord[] {
  return ENTRIES.map((e) => ({ table: e.table, holds: e.holds[language], kept: e.kept[language], why: e.why[language] }));
}
