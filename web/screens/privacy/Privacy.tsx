// The /privacy view: the privacy page for every signed-in key, asked under the key's first purpose.
import type { ScreenProps } from '../registry.ts';
import { PrivacyNotice } from './PrivacyNotice.tsx';

export function Privacy({ session }: ScreenProps) {
  const purpose = session.purposes[0];
  return purpose === undefined ? null : <PrivacyNotice purpose={purpose} headingLevel={1} />;
}
