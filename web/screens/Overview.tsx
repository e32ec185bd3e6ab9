// Overview (STATISTICS): to be built (issue 13, screen 1).
import type { ScreenProps } from './registry.ts';

export function Overview(_props: ScreenProps) {
  return <section aria-labelledby="overview-title"><h1 id="overview-title">Overview</h1></section>;
}
