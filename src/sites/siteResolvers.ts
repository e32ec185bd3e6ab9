import { keyAllowsSite, requireReach } from '../access/siteScope.ts';
import { echo } from '../errors/apiError.ts';
import { fromFlags } from '../consent/consentFlags.ts';
import { apiError } from '../graphql/errors.ts';
import type { RequestContext } from '../graphql/requestContext.ts';
import { validateSiteInput, type SiteInput } from './siteInput.ts';
import type { Site, SiteStore } from './siteStore.ts';

export function createSiteResolvers(sites: SiteStore) {
  return {
    Site: {
      defaultConsent: (site: Site) => fromFlags(site.defaultConsent),
    },
    Query: {
      async sites(_: unknown, __: unknown, ctx: RequestContext) {
        const { auth } = ctx.access;
        const all = await sites.list();
        return auth.kind === 'ok' ? all.filter((s) => keyAllowsSite(auth.key, s.id)) : [];
      },
    },
    Mutation: {
      async createSite(_: unknown, args: SiteInput, ctx: RequestContext) {
        // A new site is beyond every site-bound key: only a global key registers sites.
        requireReach(ctx.access, '*', 'register sites');
        const site = validateSiteInput(args);
        const created = await sites.create(site);
        if (created === undefined) throw apiError('CONFLICT', `site ${echo(site.id)} already exists`, { field: 'id' });
        return created;
      },
    },
  };
}
