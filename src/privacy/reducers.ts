// Every reduction a raw hit goes through, made once per collector.
import { createGeoLookup, type GeoLocation } from './geoIp.ts';
import type { Pseudonymiser } from './pseudonymiser.ts';
import { createUaParser, type UaFamily } from './userAgent.ts';

export interface Reducers {
  readonly pseudonymiser: Pseudonymiser;
  /** User agent → browser, OS and device family, and the bot flag (cached). */
  readonly userAgent: (ua: string) => UaFamily;
  /** The request's IP → country and region; the address itself is not kept. */
  readonly geo: (req: { readonly ip: string }) => GeoLocation;
}

export function createReducers(pseudonymiser: Pseudonymiser): Reducers {
  const lookup = createGeoLookup();
  // The events of one request share its traits object: its address is looked up once, not once per
  // event of a batch. NOTE: keyed by the request's own object, so the address is held no longer than the
  // request holds it (a last-address memo kept it until the next hit, across requests).
  const looked = new WeakMap<object, GeoLocation>();
  const geo = (req: { readonly ip: string }) => {
    let g = looked.get(req);
    if (g === undefined) looked.set(req, (g = lookup(req.ip)));
    return g;
  };
  return { pseudonymiser, userAgent: createUaParser(), geo };
}
