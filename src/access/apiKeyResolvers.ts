import { apiError, badInput } from '../graphql/errors.ts';
import { ADMIN_KEY_ID } from './apiKey.ts';
import type { SiteStore } from '../sites/siteStore.ts';
import type { ApiKeyStore } from './apiKeyStore.ts';
import type { Purpose } from './purposes.ts';

export function createApiKeyResolvers(keys: ApiKeyStore, sites: SiteStore) {
  return {
    Query: {
      apiKeys: () => keys.list(),
    },
    Mutation: {
      async createApiKey(_: unknown, args: { name: string; purposes: Purpose[]; sites: string[] }) {
        const name = args.name.trim();
        if (name.length === 0 || name.length > 200) throw badInput('name', 'name must be 1–200 characters');
        if (args.purposes.length === 0) throw badInput('purposes', 'purposes must list at least one purpose');
        if (args.sites.length === 0) throw badInput('sites', 'sites must list at least one site id');
        for (const [i, id] of args.sites.entries()) {
          if ((await sites.get(id)) === undefined) throw badInput(`sites[${i}]`, `sites[${i}]: site "${id}" does not exist`);
        }
        const { key, secret } = await keys.create({ name, purposes: args.purposes, sites: args.sites });
        return { id: key.id, secret, key };
      },
      async revokeApiKey(_: unknown, args: { id: string }) {
        if (args.id === ADMIN_KEY_ID) throw apiError('FORBIDDEN', 'the bootstrap admin key is revoked by changing CALYPSO_ADMIN_KEY or deleting its file');
        return keys.revoke(args.id);
      },
    },
  };
}
