// Russian and English (the site's users and its marketing team are Russian), chosen from the browser's
// language, switchable; numbers and dates in the chosen locale. Screens add their own messages to the
// catalogues below (one key, both languages: a test checks both are complete).
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { adminEn, adminRu } from './messages/admin.ts';

export type Locale = 'ru' | 'en';

const en = {
  'app.name': 'Calypso',
  'app.loading': 'Loading…',
  'signin.title': 'Sign in',
  'signin.key': 'API key',
  'signin.submit': 'Sign in',
  'signin.hint': 'The key is checked by the server and kept there for this session; the page never stores it.',
  'signout': 'Sign out',
  'nav.overview': 'Overview',
  'nav.segments': 'Segments',
  'nav.subjects': 'Subject requests',
  'nav.admin': 'Administration',
  'nav.explorer': 'API explorer',
  'nav.none': 'This key serves no purpose that has a screen.',
  'lang.switch': 'Язык: русский',
  'error.generic': 'Something went wrong: {message}',
  ...adminEn,
} as const;

export type MessageKey = keyof typeof en;

const ru: Record<MessageKey, string> = {
  'app.name': 'Calypso',
  'app.loading': 'Загрузка…',
  'signin.title': 'Вход',
  'signin.key': 'API-ключ',
  'signin.submit': 'Войти',
  'signin.hint': 'Ключ проверяет сервер и хранит его на время сеанса; страница его не сохраняет.',
  'signout': 'Выйти',
  'nav.overview': 'Обзор',
  'nav.segments': 'Сегменты',
  'nav.subjects': 'Запросы субъектов',
  'nav.admin': 'Администрирование',
  'nav.explorer': 'Обозреватель API',
  'nav.none': 'У этого ключа нет целей, для которых есть экран.',
  'lang.switch': 'Language: English',
  'error.generic': 'Что-то пошло не так: {message}',
  ...adminRu,
};

export const MESSAGES: Record<Locale, Record<MessageKey, string>> = { en, ru };

export interface I18n {
  locale: Locale;
  t(key: MessageKey, params?: Record<string, string | number>): string;
  number(n: number, opts?: Intl.NumberFormatOptions): string;
  date(d: Date, opts?: Intl.DateTimeFormatOptions): string;
}

export function makeI18n(locale: Locale): I18n {
  const nf = new Intl.NumberFormat(locale);
  return {
    locale,
    t(key, params) {
      const text = MESSAGES[locale][key];
      return params === undefined ? text : text.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
    },
    number: (n, opts) => (opts === undefined ? nf.format(n) : new Intl.NumberFormat(locale, opts).format(n)),
    date: (d, opts) => new Intl.DateTimeFormat(locale, opts ?? { dateStyle: 'medium' }).format(d),
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
