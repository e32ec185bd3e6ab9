// The boot script, the page's only script tag: the page's first requests (web/start.ts) go out first,
// then the app (main.tsx) loads. Its chunk is small and has no Preact in it.
// NOTE: over HTTP/1.1 a page has six connections to its origin: had the page linked the app's and the
// screen's code itself, the session and the screen's first requests would wait behind those files
// (40–60 ms on a busy machine). When the screen's first requests go out at once (the sign-in hint),
// the app and the screen's code are asked once they are sent (or after APP_WAIT_MS at most), while the
// server counts; otherwise at once, beside the session.
import { appMayLoad, openedScreenLoad } from './start.ts';

void appMayLoad.then(() => {
  void import('./main.tsx');
  openedScreenLoad?.().catch(() => undefined);
});
