// Where a dashboard request came from: over HTTPS or not (the cookie's Secure flag), and whether it is
// same-origin (a session cookie only counts for the dashboard's own page).
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { createTrustedPeer } from '../collect/clientIp.ts';

export interface RequestOrigin {
  /** Over TLS to this process, or from a trusted proxy that says `X-Forwarded-Proto: https`. */
  https(req: IncomingMessage): boolean;
  /**
   * NOTE: the browser's word that the request is from this site's own page. `Sec-Fetch-Site` when sent
   * (every current browser): only `same-origin` or `none` (typed in the address bar). Otherwise `Origin`,
   * when sent, must equal the request's own origin. A request with neither is not from a browser page
   * (browsers send Origin on every cross-origin fetch and form post), so it is no cross-site forgery; the
   * custom headers the dashboard's requests carry (X-Calypso-Session, X-Calypso-Purpose) cannot be sent
   * cross-site without a CORS preflight, which Calypso never grants: a second, independent guard.
   */
  sameOrigin(req: IncomingMessage): boolean;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();

export function createRequestOrigin(trustedProxies: readonly string[]): RequestOrigin {
  const trusted = createTrustedPeer(trustedProxies);
  const https = (req: IncomingMessage) =>
    req.socket instanceof TLSSocket || (trusted(req) && first(req.headers['x-forwarded-proto'])?.toLowerCase() === 'https');
  return {
    https,
    sameOrigin(req) {
      const site = first(req.headers['sec-fetch-site']);
      if (site !== undefined) return site === 'same-origin' || site === 'none';
      const origin = first(req.headers.origin);
      if (origin === undefined) return true;
      const host = (trusted(req) ? first(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host;
      return host !== undefined && origin.toLowerCase() === `${https(req) ? 'https' : 'http'}://${host.toLowerCase()}`;
    },
  };
}
