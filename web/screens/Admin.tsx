// Administration (ADMINISTRATION): to be built (issue 13, screen 4).
import type { ScreenProps } from './registry.ts';

export function Admin(_props: ScreenProps) {
  return <section aria-labelledby="admin-title"><h1 id="admin-title">Administration</h1></section>;
}
