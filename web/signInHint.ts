// The sign-in hint as the page reads it: the cookie src/dashboard/sessionRoutes.ts sets beside the
// session, `calypso_hint=<until>:<PURPOSE>.<PURPOSE>` (until: ms since the epoch, the server's clock).
// It only tells the page it may ask before GET /session answers; the server checks every request.
import type { Purpose } from './api.ts';

const HINT = /(?:^|;\s*)calypso_hint=(\d+):([A-Z_.]*)(?:;|$)/;

/** The key's purposes the hint in `cookie` names while it says the session may still be live; else undefined. */
export function hintedPurposes(cookie: string, now: number): Purpose[] | undefined {
  const m = HINT.exec(cookie);
  if (m === null || !(Number(m[1]) > now)) return undefined;
  return m[2]!.split('.').filter((p) => p !== '') as Purpose[];
}
