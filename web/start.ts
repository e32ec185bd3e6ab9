// The page's first requests: the session and, when the address opens a screen the session's key has,
// that screen's first requests (the overview: the key's sites, then its numbers).
// NOTE: run by the boot script (web/boot.ts, the page's one script), as soon as it and this chunk have
// loaded: not after the app's code (Preact, the messages, the screens' components, ten times larger)
// has loaded and run. main.tsx imports the same module (one instance per page), so it takes the session
// under way instead of asking again, and the screen takes its first answers.
// A screen's requests go out only when the browser is signed in with a key that has the screen: beside
// GET /session when the sign-in hint (a cookie the server sets at sign-in, src/dashboard/sessionRoutes.ts)
// says so, else once the session's answer does. Without either, none (no GraphQL call from a signed-out
// page, so no 401 in its console). The hint grants nothing: the server checks every request as before.
import { currentSession } from './api.ts';
import { SCREENS, screensFor } from './screens/registry.ts';
import { todayIn } from './screens/overview/range.ts';
import { hintedPurposes } from './signInHint.ts';

/** The longest the app's code waits for the screen's first requests to be sent (the page is blank meanwhile). */
const APP_WAIT_MS = 100;

export const firstSession = currentSession();
const opened = SCREENS.find((s) => s.id === location.pathname.split('/')[1]);
const params = new URLSearchParams(location.search);
const hinted = hintedPurposes(document.cookie, Date.now());
const early = opened?.start !== undefined && opened.purpose !== 'any' && hinted?.includes(opened.purpose) === true;

/**
 * Settles once the opened screen's first requests are sent, or when none will be; never fails (a
 * screen that could not start asks on its own once mounted, and the app must load regardless).
 */
export const firstRequests: Promise<void> = (
  early
    ? opened!.start!(params)
    : firstSession.then((s) => (s !== undefined && opened?.start !== undefined && screensFor(s).includes(opened) ? opened.start(params) : undefined))
).catch(() => undefined);

/** When the app's code may be asked: once the screen's first requests are sent when they went out at once, else now. */
export const appMayLoad: Promise<void> = early ? Promise.race([firstRequests, new Promise<void>((r) => setTimeout(r, APP_WAIT_MS))]) : Promise.resolve();

/** The opened screen's code, asked beside the app's when the hint says the key has it (the app asks it again, cached). */
export const openedScreenLoad = early ? opened!.load : undefined;

// NOTE: the first use of Intl in a page loads its data (tens of milliseconds on a busy machine). The
// overview's first request needs today's date in the site's zone (range.ts todayIn): paid here, while
// the first requests are under way, not between the sites' answer and the numbers' request.
todayIn('UTC', new Date());
