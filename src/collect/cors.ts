// CORS for the collector: only pages on a registered host name may read its answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SiteStore } from '../sites/siteStore.ts';

/** Sets the CORS headers when the Origin is one of the registered host names; returns whether it is. */
export async function applyCors(req: IncomingMessage, res: ServerResponse, sites: SiteStore): Promise<boolean> {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  let host: string;
  try {
    host = new URL(origin).hostname;
  } catch {
    return false;
  }
  if (!(await sites.isRegisteredHost(host))) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('vary', 'Origin');
  return true;
}

export function preflightRoute(sites: SiteStore) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!(await applyCors(req, res, sites))) {
      res.writeHead(403).end();
      return;
    }
    res.writeHead(204, { 'access-control-allow-methods': 'POST, GET, OPTIONS', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '86400' });
    res.end();
  };
}
