import { ApiError, clip, echo, invalid } from '../errors/apiError.ts';
import type { RequestContext } from '../graphql/requestContext.ts';
import { ADMIN_KEY_ID, type ApiKey } from './apiKey.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import type { ApiKeyStore } from './apiKeyStore.ts';
import type { Purpose } from './purposes.ts';
import { callerKey, keyReaches, requireReach } from './siteScope.ts';

export function createApiKeyResolvers(keys: ApiKeyStore, sites: SiteStore) {
  return {
    Query: {
      // A key bound to sites lists only the keys whose sites are all its own.
      async apiKeys(_: unknown, __: unknown, ctx: RequestContext) {
        const caller = callerKey(ctx.access);
        return (await keys.list()).filter((k) => keyReaches(caller, k.sites));
      },
    },
    // An all-sites key is '*' inside; the API shows it as allSites with no list.
    ApiKey: {
      sites: (k: ApiKey) => (k.sites === '*' ? [] : k.sites),
      allSites: (k: ApiKey) => k.sites === '*',
    },
    Mutation: {
      async createApiKey(_: unknown, args: { name: string; purposes: Purpose[]; sites?: string[] | null; allSites?: boolean | null }, ctx: RequestContext) {
        // NOTE: a lone UTF-16 surrogate would make the row unstorable; mended to U+FFFD (a display name).
        const name = args.name.trim().toWellFormed();
        const listed = args.sites ?? [];
        if (name.length === 0 || name.length > 200) throw invalid('name', 'name must be 1–200 characters', 'length', { min: 1, max: 200 });
        if (args.purposes.length === 0) throw invalid('purposes', 'purposes must list at least one purpose', 'required');
        if (args.allSites === true) {
          if (listed.length > 0) throw invalid('sites', 'sites must be empty when allSites is true (the key acts on every site)', 'exclusive', { allowed: ['sites', 'allSites'] });
          // NOTE: a key reaching every site, those made later included, is made only by a key that does.
          requireReach(ctx.access, '*', 'make a key for every site');
          const { key, secret } = await keys.create({ name, purposes: args.purposes, sites: '*' });
          return { id: key.id, secret, key };
        }
        if (listed.length === 0) throw invalid('sites', 'sites must list at least one site id (or set allSites: true)', 'required');
        // The per-resolver check refused sites outside the caller's already (`sites` is a site argument); kept here too.
        requireReach(ctx.access, listed, 'make a key for sites outside its own');
        for (const [i, id] of listed.entries()) {
          if ((await sites.get(id)) === undefined) throw invalid(`sites[${i}]`, `sites[${i}]: site ${echo(id)} does not exist`, 'notFound', { kind: 'site', id: clip(id) });
        }
        const { key, secret } = await keys.create({ name, purposes: args.purposes, sites: listed });
        return { id: key.id, secret, key };
      },
      async revokeApiKey(_: unknown, args: { id: string }, ctx: RequestContext) {
        if (args.id === ADMIN_KEY_ID) {
          callerKey(ctx.access);
          throw new ApiError('FORBIDDEN', 'the bootstrap admin key is revoked by changing CALYPSO_ADMIN_KEY or deleting its file', { rule: 'bootstrapKey' });
        }
        const target = (await keys.list()).find((k) => k.id === args.id);
        // NOTE: a key reaching outside the caller's sites is refused, not answered false: the caller may
        // not change it, and saying so is no more than apiKeys would show a global key.
        if (target !== undefined && !keyReaches(callerKey(ctx.access), target.sites)) {
          throw new ApiError('FORBIDDEN', 'this API key is bound to sites and cannot revoke a key reaching other sites', { rule: 'siteBound' });
        }
        return keys.revoke(args.id);
      },
    },
  };
}
