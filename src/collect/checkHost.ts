// A hit is taken only for one of its site's registered host names (POLICY.md, "A detail worth noticing").
import { mixedScriptReason } from '../privacy/mixedScript.ts';
import type { Site } from '../sites/siteStore.ts';
import { echo, InputError } from '../errors/apiError.ts';

/** `url.hostname` is already IDNA (punycode) and lower-case, as the registered names are. */
export function checkHost(url: URL, site: Site): void {
  if (site.hostnames.includes(url.hostname)) return;
  const lookAlike = mixedScriptReason(url.hostname);
  if (lookAlike !== undefined) throw new InputError('url', `url refused: ${lookAlike}`);
  throw new InputError('url', `url host ${echo(url.hostname)} is not a registered host name of site "${site.id}"`);
}
