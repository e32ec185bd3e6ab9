// The dashboard's entry: the session decides between the sign-in page and the screens of the key's purposes.
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiFailure, onSessionEnded, signIn, signOut, type Session } from './api.ts';
import { I18nContext, initialLocale, makeI18n, storeLocale, useI18n, type Locale } from './i18n.ts';
import { navigate, useRoute } from './route.ts';
import { screensFor, type ScreenProps } from './screens/registry.ts';
import { firstRequests, firstSession } from './start.ts';
import type { ComponentType } from 'preact';
import './style.css';
// Screens' stylesheets go in the entry's CSS: a lazily loaded chunk's CSS would not be linked.
import 'uplot/dist/uPlot.min.css';
import './screens/overview/overview.css';

// NOTE: loaded by the boot script (web/boot.ts), which asked the session (and, when the address opens a
// screen, its first requests) first (web/start.ts); the app takes the same answers.
// The first use of Intl in a locale loads its data (tens of milliseconds): paid once the screen's first
// requests are sent (while the server counts), not between their answers and the next request, nor
// between the numbers' answer and the numbers on screen. Dates, numbers, and countries' names (the
// overview's country panel: 5–10 ms at its first use, seen in bench:dashboard's profile).
void firstRequests.then(() => {
  const locale = initialLocale();
  new Intl.DateTimeFormat(locale, { timeZone: 'UTC', dateStyle: 'medium' }).format(0);
  new Intl.NumberFormat(locale).format(1234.5);
  new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' }).of('US');
});

function App() {
  const [locale, setLocale] = useState<Locale>(initialLocale);
  const i18n = useMemo(() => makeI18n(locale), [locale]);
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  // Why the last session ended under the user's hands (its key revoked, or expired), said on the sign-in page.
  const [ended, setEnded] = useState<string>();
  useEffect(() => {
    firstSession.then((s) => setSession(s ?? null), () => setSession(null));
    onSessionEnded((code) => {
      setEnded(code);
      setSession(null);
    });
    return () => onSessionEnded(undefined);
  }, []);
  const signedIn = (s: Session) => {
    setEnded(undefined);
    setSession(s);
  };
  const switchLocale = () => {
    const next = locale === 'ru' ? 'en' : 'ru';
    storeLocale(next);
    setLocale(next);
  };
  return (
    <I18nContext.Provider value={i18n}>
      <header class="top">
        <span class="brand">{i18n.t('app.name')}</span>
        <button type="button" class="link" onClick={switchLocale}>{i18n.t('lang.switch')}</button>
        {session ? (
          <button type="button" class="link" onClick={() => void signOut().then(() => setSession(null))}>
            {i18n.t('signout')}
          </button>
        ) : null}
      </header>
      {session === undefined ? <p class="loading">{i18n.t('app.loading')}</p> : session === null ? <SignIn onSignedIn={signedIn} ended={ended} /> : <Screens session={session} />}
    </I18nContext.Provider>
  );
}

function SignIn({ onSignedIn, ended }: { onSignedIn: (s: Session) => void; ended: string | undefined }) {
  const [error, setError] = useState<string>();
  const { t } = useI18n();
  const endedText = ended === undefined ? undefined : ended === 'KEY_REVOKED' ? t('signin.endedRevoked') : t('signin.ended');
  const submit = (e: Event) => {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).elements.namedItem('key') as HTMLInputElement;
    signIn(input.value.trim()).then(onSignedIn, (err: Error) => setError(signInError(t, err)));
    input.value = '';
  };
  return (
    <main class="signin">
      <form onSubmit={submit}>
        <h1>{t('signin.title')}</h1>
        {endedText === undefined || error !== undefined ? null : (
          <p role="status" class="notice">
            {endedText}
          </p>
        )}
        <label for="key">{t('signin.key')}</label>
        <input id="key" name="key" type="password" autocomplete="off" required />
        <button type="submit">{t('signin.submit')}</button>
        <p class="hint">{t('signin.hint')}</p>
        {error === undefined ? null : <p role="alert" class="error">{error}</p>}
      </form>
    </main>
  );
}

function Screens({ session }: { session: Session }) {
  const route = useRoute();
  const screens = screensFor(session);
  const entry = screens.find((s) => s.id === route.screen) ?? screens[0];
  const [Screen, setScreen] = useState<ComponentType<ScreenProps>>();
  // The address names the screen shown: after `/` (just signed in) or a screen this key does not have.
  useEffect(() => {
    if (entry !== undefined && route.screen !== entry.id) navigate(entry.id, {}, true);
  }, [entry?.id, route.screen]);
  useEffect(() => {
    setScreen(undefined);
    void entry?.load().then((c) => setScreen(() => c));
  }, [entry?.id]);
  return (
    <I18nContext.Consumer>
      {(i18n) => (
        <div class="shell">
          <nav aria-label={i18n.t('app.name')}>
            {screens.map((s) => (
              <a key={s.id} href={`/${s.id}`} aria-current={s === entry ? 'page' : undefined} onClick={(e) => (e.preventDefault(), navigate(s.id))}>
                {i18n.t(s.label)}
              </a>
            ))}
          </nav>
          <main>{entry === undefined ? <p>{i18n.t('nav.none')}</p> : Screen === undefined ? <p class="loading">{i18n.t('app.loading')}</p> : <Screen session={session} params={route.params} />}</main>
        </div>
      )}
    </I18nContext.Consumer>
  );
}

render(<App />, document.getElementById('app')!);

/** A refused sign-in in the chosen language: the server's codes, not its English text. */
function signInError(t: ReturnType<typeof makeI18n>['t'], err: Error): string {
  const code = err instanceof ApiFailure ? err.code : undefined;
  if (code === 'UNAUTHENTICATED' || code === 'BAD_USER_INPUT') return t('signin.invalid');
  if (code === 'KEY_REVOKED') return t('signin.revoked');
  if (code === 'RATE_LIMITED') return t('signin.limited');
  return t('signin.failed', { message: err.message });
}
