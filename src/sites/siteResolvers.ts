import { keyAllowsSite, requireReach } from '../access/siteScope.ts';
import { ApiError, clip, echo } from '../errors/apiError.ts';
import { fromFlags } from '../consent/consentFlags.ts';
import type { RequestContext } from '../graphql/requestContext.ts';
import { validateSiteInput, validateSiteUpdate, type SiteInput, type SiteUpdate } from './siteInput.ts';
import { shortenRetention } from './siteRetention.ts';
import type { Site, SiteStore } from './siteStore.ts';
import type { EventStore } from '../store/eventStore.ts';
import type { StatsCache } from '../stats/statsCache.ts';

export interface SiteResolverDeps {
  store: EventStore;
  statsCache: Pick<StatsCache, 'bump'>;
}

export function createSiteResolvers(sites: SiteStore, deps: SiteResolverDeps) {
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
        if (created === undefined) throw new ApiError('CONFLICT', `site ${echo(site.id)} already exists`, { field: 'id', rule: 'duplicate', params: { kind: 'site', id: site.id } });
        return created;
      },
      async updateSite(_: unknown, args: SiteUpdate, ctx: RequestContext) {
        // Refused before the look-up: a site-bound key learns nothing of whether another site exists.
        ctx.audit.touch('Mutation.updateSite', [args.id], undefined);
        requireReach(ctx.access, [args.id], `change site ${echo(args.id)}`);
        const current = await sites.get(args.id);
        const notFound = { field: 'id', rule: 'notFound', params: { kind: 'site', id: clip(args.id) } } as const;
        if (current === undefined) throw new ApiError('NOT_FOUND', `site ${echo(args.id)} does not exist`, notFound);
        const updated = await sites.update(validateSiteUpdate(current, args));
        if (updated === undefined) throw new ApiError('NOT_FOUND', `site ${echo(args.id)} does not exist`, notFound);
        if (updated.retentionDays < current.retentionDays) {
          await shortenRetention(deps.store, updated.id, updated.retentionDays);
          await deps.statsCache.bump([updated.id]);
        }
        // NOTE: cached statistics need no invalidation: their cache key holds the query's parameters,
        // k and the time zone among them (statsResolvers.ts), so a new k or zone is a new key.
        return updated;
      },
    },
  };
}
