import { ApiError, clip, echo } from '../errors/apiError.ts';
import type { Site, SiteStore } from './siteStore.ts';

/** The site a resolver's `site` argument names, or a NOT_FOUND GraphQL error. */
export async function requireSite(sites: SiteStore, id: string): Promise<Site> {
  const site = await sites.get(id);
  if (site === undefined) throw new ApiError('NOT_FOUND', `site ${echo(id)} does not exist`, { rule: 'notFound', params: { kind: 'site', id: clip(id) } });
  return site;
}
