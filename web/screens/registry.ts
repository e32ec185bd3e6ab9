// The screens, each serving one purpose (DESIGN.md: "every screen declares the purpose it serves"); a
// key sees the screens of its purposes. Each screen is loaded when first opened.
import type { ComponentType } from 'preact';
import type { Purpose, Session } from '../api.ts';
import type { MessageKey } from '../i18n.ts';
import { startOverview } from './overview/early.ts';

export interface ScreenProps {
  session: Session;
  /** The screen's state from the URL's query string. */
  params: URLSearchParams;
}

export interface ScreenEntry {
  id: string;
  /** The purpose the screen serves; 'any' for a page every signed-in key may open (the privacy page). */
  purpose: Purpose | 'any';
  label: MessageKey;
  load: () => Promise<ComponentType<ScreenProps>>;
  /**
   * When the address opens the screen: sends its first requests once the session allows it, from the
   * boot script (web/start.ts), before the app's code has loaded; the screen takes their answers when
   * it mounts; settles once they are sent. NOTE: imported statically, so it is in the boot script's
   * chunk: it must not import the screen's components (Preact, the messages).
   */
  start?: (params: URLSearchParams) => Promise<void>;
}

export const SCREENS: readonly ScreenEntry[] = [
  {
    id: 'overview',
    purpose: 'STATISTICS',
    label: 'nav.overview',
    load: () => import('./overview/Overview.tsx').then((m) => m.Overview),
    start: startOverview,
  },
  { id: 'segments', purpose: 'ADVERTISING', label: 'nav.segments', load: () => import('./segments/SegmentsScreen.tsx').then((m) => m.Segments) },
  { id: 'subjects', purpose: 'SUBJECT_REQUEST', label: 'nav.subjects', load: () => import('./subjects/Subjects.tsx').then((m) => m.Subjects) },
  { id: 'legalhold', purpose: 'LEGAL_OBLIGATION', label: 'subjects.nav.legalHold', load: () => import('./subjects/LegalHold.tsx').then((m) => m.LegalHold) },
  { id: 'admin', purpose: 'ADMINISTRATION', label: 'nav.admin', load: () => import('./admin/Admin.tsx').then((m) => m.Admin) },
  // Every key's: queries go out under whichever of the key's purposes the user picks.
  { id: 'explorer', purpose: 'any', label: 'nav.explorer', load: () => import('./explorer/Explorer.tsx').then((m) => m.Explorer) },
  // Last, so it is never a key's first screen unless the key has no other.
  { id: 'privacy', purpose: 'any', label: 'nav.privacy', load: () => import('./privacy/Privacy.tsx').then((m) => m.Privacy) },
];

/** The screens a session's key may see, in menu order. */
export function screensFor(session: Session): ScreenEntry[] {
  return SCREENS.filter((s) => s.purpose === 'any' || session.purposes.includes(s.purpose));
}
