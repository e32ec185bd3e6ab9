import { keyAllowsSite } from '../access/apiKey.ts';
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
      async createSite(_: unknown, args: SiteInput) {
        const site = validateSiteInput(args);
        const created = await sites.create(site);
        if (created === undefined) throw apiError('CONFLICT', `site "${site.id}" already exists`, { field: 'id' });
        return created;
      },
    },
  };
}
