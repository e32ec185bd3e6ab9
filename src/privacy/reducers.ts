// Every reduction a raw hit goes through, made once per collector.
import type { Cache } from '../cache/cache.ts';
import type { Secrets } from '../config/secrets.ts';
import { createGeoLookup, type GeoLocation } from './geoIp.ts';
import { createPseudonymiser, type Pseudonymiser } from './pseudonymiser.ts';
import { createUaParser, type UaFamily } from './userAgent.ts';

export interface Reducers {
  readonly pseudonymiser: Pseudonymiser;
  /** User agent → browser, OS and device family, and the bot flag (cached). */
  readonly userAgent: (ua: string) => UaFamily;
  /** IP → country and region; the address itself is not kept. */
  readonly geo: (ip: string) => GeoLocation;
}

export function createReducers(secrets: Pick<Secrets, 'pseudonymKeys' | 'currentKeyVersion'>, cache: Cache): Reducers {
  return { pseudonymiser: createPseudonymiser(secrets, cache), userAgent: createUaParser(), geo: createGeoLookup() };
}
