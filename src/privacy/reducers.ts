// Every reduction a raw hit goes through, made once per collector.
import { createGeoLookup, type GeoLocation } from './geoIp.ts';
import type { Pseudonymiser } from './pseudonymiser.ts';
import { createUaParser, type UaFamily } from './userAgent.ts';

export interface Reducers {
  readonly pseudonymiser: Pseudonymiser;
  /** The request's user agent → browser, OS and device family, and the bot flag. */
  readonly userAgent: (req: { readonly userAgent: string }) => UaFamily;
  /** The request's IP → country and region; the address itself is not kept. */
  readonly geo: (req: { readonly ip: string }) => GeoLocation;
}

/** What one request's traits reduced to, shared by the events of its batch. */
interface Reduced {
  geo?: GeoLocation;
  ua?: UaFamily;
}

export function createReducers(pseudonymiser: Pseudonymiser): Reducers {
  const lookup = createGeoLookup();
  const parseUa = createUaParser();
  // The events of one request share its traits object: its address and user agent are reduced once,
  // not once per event of a batch. NOTE: keyed by the request's own object, so nothing raw is held
  // longer than the request holds it (a last-address memo kept it until the next hit, across requests).
  const scratch = new WeakMap<object, Reduced>();
  const of = (req: object): Reduced => {
    let r = scratch.get(req);
    if (r === undefined) scratch.set(req, (r = {}));
    return r;
  };
  return {
    pseudonymiser,
    userAgent: (req) => {
      const r = of(req);
      return (r.ua ??= parseUa(req.userAgent));
    },
    geo: (req) => {
      const r = of(req);
      return (r.geo ??= lookup(req.ip));
    },
  };
}
