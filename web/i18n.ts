// Russian and English (the site's users and its marketing team are Russian), chosen from the browser's
// language, switchable; numbers and dates in the chosen locale. Screens add their own messages to the
// catalogues below (one key, both languages: a test checks both are complete).
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { SUBJECTS_EN, SUBJECTS_RU } from './messages/subjects.ts';
import { segmentsEn, segmentsRu } from './screens/segments/segmentsMessages.ts';
import { adminEn, adminRu } from './messages/admin.ts';
import { explorerEn, explorerRu } from './messages/explorer.ts';
import { apiErrorsEn, apiErrorsRu } from './messages/apiErrors.ts';

export type Locale = 'ru' | 'en';

const en = {
  'app.name': 'Calypso',
  'app.loading': 'Loading…',
  'signin.title': 'Sign in',
  'signin.key': 'API key',
  'signin.submit': 'Sign in',
  'signin.hint': 'The key is checked by the server and kept there for this session; the page never stores it.',
  'signin.invalid': 'This is not a valid API key.',
  'signin.revoked': 'This API key has been revoked.',
  'signin.endedRevoked': 'Your session ended: its API key was revoked. Sign in with another key.',
  'signin.ended': 'Your session ended: its API key was revoked, it was signed out elsewhere, or it was idle too long. Sign in again.',
  'signin.limited': 'Too many failed sign-ins from this address; wait a minute and try again.',
  'signin.failed': 'Could not sign in: {message}',
  'signout': 'Sign out',
  'nav.overview': 'Overview',
  'nav.segments': 'Segments',
  'nav.subjects': 'Subject requests',
  ...SUBJECTS_EN,
  'nav.admin': 'Administration',
  'nav.explorer': 'API explorer',
  'nav.none': 'This key serves no purpose that has a screen.',
  'lang.switch': 'Язык: русский',
  'error.generic': 'Something went wrong: {message}',
  'overview.title': 'Overview',
  'overview.site': 'Site',
  'overview.noSites': 'This key reads no site yet.',
  'overview.range': 'Date range',
  'overview.range.today': 'Today',
  'overview.range.yesterday': 'Yesterday',
  'overview.range.7d': 'Last 7 days',
  'overview.range.30d': 'Last 30 days',
  'overview.range.90d': 'Last 90 days',
  'overview.range.month': 'This month',
  'overview.range.lastmonth': 'Last month',
  'overview.range.custom': 'Custom',
  'overview.from': 'From',
  'overview.to': 'To',
  'overview.interval': 'Interval',
  'overview.interval.HOUR': 'Hours',
  'overview.interval.DAY': 'Days',
  'overview.interval.WEEK': 'Weeks',
  'overview.interval.MONTH': 'Months',
  'overview.compare': 'Compare with the previous period',
  'overview.comparedWith': 'compared with {range}',
  'overview.timezone': 'time zone {tz}',
  'overview.filters': 'Filters',
  'overview.filter.remove': 'Remove filter {filter}',
  'overview.filter.clear': 'Clear all filters',
  'overview.filterBy': 'Filter the page by {value}',
  'overview.cards': 'Totals for the period',
  'overview.card.visitors': 'Visitors',
  'overview.card.visits': 'Visits',
  'overview.card.pageviews': 'Pageviews',
  'overview.card.viewsPerVisit': 'Views per visit',
  'overview.card.bounceRate': 'Bounce rate',
  'overview.card.visitDuration': 'Visit duration',
  'overview.vsPrevious': 'vs the previous period ({value})',
  'overview.fewerThanK': 'fewer than {k}',
  'overview.duration.s': '{s} s',
  'overview.duration.ms': '{m} min {s} s',
  'overview.chart.title': 'Visitors and pageviews',
  'overview.chart.table': 'Show the figures as a table',
  'overview.chart.bucket': 'Period',
  'overview.chart.prevVisitors': 'Visitors, previous period',
  'overview.chart.prevPageviews': 'Pageviews, previous period',
  'overview.panel.pages': 'Pages',
  'overview.panel.sources': 'Sources',
  'overview.panel.locations': 'Locations',
  'overview.panel.devices': 'Devices',
  'overview.panel.events': 'Custom events',
  'overview.dim.page': 'Pages',
  'overview.dim.entryPage': 'Entry pages',
  'overview.dim.exitPage': 'Exit pages',
  'overview.dim.referrerSource': 'Sources',
  'overview.dim.referrerHost': 'Referrers',
  'overview.dim.utmSource': 'UTM source',
  'overview.dim.utmMedium': 'UTM medium',
  'overview.dim.utmCampaign': 'UTM campaign',
  'overview.dim.country': 'Countries',
  'overview.dim.region': 'Regions',
  'overview.dim.browser': 'Browsers',
  'overview.dim.os': 'Operating systems',
  'overview.dim.device': 'Devices',
  'overview.dim.eventName': 'Events',
  'overview.source.direct': 'Direct',
  'overview.source.internal': 'Internal',
  'overview.source.search': 'Search',
  'overview.source.social': 'Social',
  'overview.source.email': 'Email',
  'overview.source.other': 'Other',
  'overview.device.desktop': 'Desktop',
  'overview.device.mobile': 'Mobile',
  'overview.device.tablet': 'Tablet',
  'overview.device.other': 'Other',
  'overview.col.visitors': 'Visitors',
  'overview.col.share': 'Share',
  'overview.col.pageviews': 'Pageviews',
  'overview.col.visits': 'Visits',
  'overview.col.events': 'Events',
  'overview.none': '(none)',
  'overview.empty': 'No data for this period.',
  'overview.suppressed.one': '{n} row below the privacy threshold',
  'overview.suppressed.other': '{n} rows below the privacy threshold',
  'overview.chart.suppressed': 'Intervals below the privacy threshold: {n} (shown as gaps)',
  'overview.csv': 'Download CSV',
  'overview.csvOf': 'Download CSV: {tab}',
  'overview.realtime.title': 'Right now',
  'overview.realtime.visitors': '{n} visitors in the last 5 minutes',
  'overview.realtime.fewer': 'Fewer than {k} visitors in the last 5 minutes',
  'overview.realtime.pages': 'Pages being viewed',
  'overview.realtime.failed': 'Could not refresh; retrying.',
  ...segmentsEn,
  ...adminEn,
  ...explorerEn,
  ...apiErrorsEn,
} as const;

export type MessageKey = keyof typeof en;

const ru: Record<MessageKey, string> = {
  'app.name': 'Calypso',
  'app.loading': 'Загрузка…',
  'signin.title': 'Вход',
  'signin.key': 'API-ключ',
  'signin.submit': 'Войти',
  'signin.hint': 'Ключ проверяет сервер и хранит его на время сеанса; страница его не сохраняет.',
  'signin.invalid': 'Такого API-ключа нет.',
  'signin.revoked': 'Этот API-ключ отозван.',
  'signin.endedRevoked': 'Сеанс завершён: его API-ключ отозван. Войдите с другим ключом.',
  'signin.ended': 'Сеанс завершён: его API-ключ отозван, из него вышли в другом окне или он долго не использовался. Войдите снова.',
  'signin.limited': 'Слишком много неудачных входов с этого адреса; подождите минуту и попробуйте снова.',
  'signin.failed': 'Войти не удалось: {message}',
  'signout': 'Выйти',
  'nav.overview': 'Обзор',
  'nav.segments': 'Сегменты',
  'nav.subjects': 'Запросы субъектов',
  ...SUBJECTS_RU,
  'nav.admin': 'Администрирование',
  'nav.explorer': 'Обозреватель API',
  'nav.none': 'У этого ключа нет целей, для которых есть экран.',
  'lang.switch': 'Language: English',
  'error.generic': 'Что-то пошло не так: {message}',
  'overview.title': 'Обзор',
  'overview.site': 'Сайт',
  'overview.noSites': 'Этому ключу пока не доступен ни один сайт.',
  'overview.range': 'Период',
  'overview.range.today': 'Сегодня',
  'overview.range.yesterday': 'Вчера',
  'overview.range.7d': 'Последние 7 дней',
  'overview.range.30d': 'Последние 30 дней',
  'overview.range.90d': 'Последние 90 дней',
  'overview.range.month': 'Этот месяц',
  'overview.range.lastmonth': 'Прошлый месяц',
  'overview.range.custom': 'Свой период',
  'overview.from': 'С',
  'overview.to': 'По',
  'overview.interval': 'Интервал',
  'overview.interval.HOUR': 'По часам',
  'overview.interval.DAY': 'По дням',
  'overview.interval.WEEK': 'По неделям',
  'overview.interval.MONTH': 'По месяцам',
  'overview.compare': 'Сравнить с предыдущим периодом',
  'overview.comparedWith': 'в сравнении с {range}',
  'overview.timezone': 'часовой пояс {tz}',
  'overview.filters': 'Фильтры',
  'overview.filter.remove': 'Убрать фильтр {filter}',
  'overview.filter.clear': 'Убрать все фильтры',
  'overview.filterBy': 'Отфильтровать страницу по «{value}»',
  'overview.cards': 'Итоги за период',
  'overview.card.visitors': 'Посетители',
  'overview.card.visits': 'Визиты',
  'overview.card.pageviews': 'Просмотры',
  'overview.card.viewsPerVisit': 'Просмотров за визит',
  'overview.card.bounceRate': 'Отказы',
  'overview.card.visitDuration': 'Длительность визита',
  'overview.vsPrevious': 'к предыдущему периоду ({value})',
  'overview.fewerThanK': 'меньше {k}',
  'overview.duration.s': '{s} с',
  'overview.duration.ms': '{m} мин {s} с',
  'overview.chart.title': 'Посетители и просмотры',
  'overview.chart.table': 'Показать числа таблицей',
  'overview.chart.bucket': 'Период',
  'overview.chart.prevVisitors': 'Посетители, предыдущий период',
  'overview.chart.prevPageviews': 'Просмотры, предыдущий период',
  'overview.panel.pages': 'Страницы',
  'overview.panel.sources': 'Источники',
  'overview.panel.locations': 'География',
  'overview.panel.devices': 'Устройства',
  'overview.panel.events': 'Свои события',
  'overview.dim.page': 'Страницы',
  'overview.dim.entryPage': 'Страницы входа',
  'overview.dim.exitPage': 'Страницы выхода',
  'overview.dim.referrerSource': 'Источники',
  'overview.dim.referrerHost': 'Ссылающиеся сайты',
  'overview.dim.utmSource': 'UTM source',
  'overview.dim.utmMedium': 'UTM medium',
  'overview.dim.utmCampaign': 'UTM campaign',
  'overview.dim.country': 'Страны',
  'overview.dim.region': 'Регионы',
  'overview.dim.browser': 'Браузеры',
  'overview.dim.os': 'ОС',
  'overview.dim.device': 'Устройства',
  'overview.dim.eventName': 'События',
  'overview.source.direct': 'Прямые заходы',
  'overview.source.internal': 'Внутренние',
  'overview.source.search': 'Поиск',
  'overview.source.social': 'Соцсети',
  'overview.source.email': 'Почта',
  'overview.source.other': 'Другие',
  'overview.device.desktop': 'Компьютеры',
  'overview.device.mobile': 'Телефоны',
  'overview.device.tablet': 'Планшеты',
  'overview.device.other': 'Другие',
  'overview.col.visitors': 'Посетители',
  'overview.col.share': 'Доля',
  'overview.col.pageviews': 'Просмотры',
  'overview.col.visits': 'Визиты',
  'overview.col.events': 'События',
  'overview.none': '(нет)',
  'overview.empty': 'Нет данных за этот период.',
  'overview.suppressed.one': 'Строк ниже порога приватности: {n}',
  'overview.suppressed.other': 'Строк ниже порога приватности: {n}',
  'overview.chart.suppressed': 'Интервалов ниже порога приватности: {n} (показаны разрывами)',
  'overview.csv': 'Скачать CSV',
  'overview.csvOf': 'Скачать CSV: {tab}',
  'overview.realtime.title': 'Сейчас на сайте',
  'overview.realtime.visitors': 'Посетителей за последние 5 минут: {n}',
  'overview.realtime.fewer': 'Меньше {k} посетителей за последние 5 минут',
  'overview.realtime.pages': 'Страницы, которые смотрят',
  'overview.realtime.failed': 'Не удалось обновить; повторим.',
  ...segmentsRu,
  ...adminRu,
  ...explorerRu,
  ...apiErrorsRu,
};

export const MESSAGES: Record<Locale, Record<MessageKey, string>> = { en, ru };

export interface I18n {
  locale: Locale;
  t(key: MessageKey, params?: Record<string, string | number>): string;
  number(n: number, opts?: Intl.NumberFormatOptions): string;
  date(d: Date, opts?: Intl.DateTimeFormatOptions): string;
}

export function makeI18n(locale: Locale): I18n {
  // NOTE: a formatter is made once per options and kept: making one costs about as much as a hundred
  // formats (locale data, pattern), and the overview formats hundreds of numbers and dates at once.
  const numbers = new Map<string, Intl.NumberFormat>();
  const dates = new Map<string, Intl.DateTimeFormat>();
  const formatter = <F>(cache: Map<string, F>, opts: object, make: () => F): F => {
    const key = JSON.stringify(opts);
    let f = cache.get(key);
    if (f === undefined) cache.set(key, (f = make()));
    return f;
  };
  return {
    locale,
    t(key, params) {
      const text = MESSAGES[locale][key];
      return params === undefined ? text : text.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
    },
    number: (n, opts = {}) => formatter(numbers, opts, () => new Intl.NumberFormat(locale, opts)).format(n),
    date: (d, opts = { dateStyle: 'medium' }) => formatter(dates, opts, () => new Intl.DateTimeFormat(locale, opts)).format(d),
  };
}

const STORED = 'calypso.locale';

/** The stored choice, else the browser's language (Russian for ru-*, English otherwise). */
export function initialLocale(): Locale {
  const saved = localStorage.getItem(STORED);
  if (saved === 'ru' || saved === 'en') return saved;
  return navigator.language.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export function storeLocale(locale: Locale): void {
  localStorage.setItem(STORED, locale);
  document.documentElement.lang = locale;
}

export const I18nContext = createContext<I18n>(makeI18n('en'));
export const useI18n = (): I18n => useContext(I18nContext);
