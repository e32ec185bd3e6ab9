// Every reduction a raw hit goes through, made once per collector.
import { createGeoLookup, type GeoLocation } from './geoIp.ts';
import type { Pseudonymiser } from './pseudonymiser.ts';
import { createUaParser, type UaFamily } from './userAgent.ts';

export interface Reducers {
  readonly pseudonymiser: Pseudonymiser;
  /** User agent → browser, OS and device family, and the bot flag (cached). */
  readonly userAgent: (ua: string) => UaFamily;
  /** IP → country and region; the address itself is not kept. */
  readonly geo: (ip: string) => GeoLocation;
}

export function createReducers(pseudonymiser: Pseudonymiser): Reducers {
  const lookup = createGeoLookup();
  // The events of one request share its address: look it up once, not once per event of a batch.
  // NOTE: the last address stays in this closure until the next hit replaces it; it is never written.
  let lastIp = '';
  let lastGeo = lookup('');
  const geo = (ip: string) => {
    if (ip !== lastIp) {
      lastGeo = lookup(ip);
      lastIp = ip;
    }
    return lastGeo;
  };
  return { pseudonymiser, userAgent: createUaParser(), geo };
}
