// Introspection: open outside production; in production only to a live key declaring ADMINISTRATION.
import type { ApolloServerPlugin } from '@apollo/server';
import { visit, type DocumentNode } from 'graphql';
import { HTTP_STATUS } from '../errors/apiError.ts';
import { apiError } from './errors.ts';
import type { RequestContext } from './requestContext.ts';

// Apollo reuses the parsed document of a repeated query, so the walk is done once per distinct query.
const seen = new WeakMap<DocumentNode, boolean>();

/** Whether a document asks for the schema (`__schema` or `__type`); `__typename` is not introspection. */
export function introspects(doc: DocumentNode): boolean {
  const known = seen.get(doc);
  if (known !== undefined) return known;
  let found = false;
  visit(doc, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true;
    },
  });
  seen.set(doc, found);
  return found;
}

export function introspectionPlugin(production: boolean): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document }) {
          if (!production || !introspects(document)) return;
          const { auth, purpose } = contextValue.access;
          const admin = auth.kind === 'ok' && purpose === 'ADMINISTRATION' && auth.key.purposes.includes('ADMINISTRATION');
          if (!admin) {
            contextValue.audit.touch('Query.__schema', [], 'FORBIDDEN');
            // A refusal of the whole request, before execution: no `data`, so not a 200 (which the
            // GraphQL-over-HTTP spec forbids without data) and not Apollo's 500 for a plugin's throw.
            throw apiError('FORBIDDEN', 'introspection needs a key with the ADMINISTRATION purpose, declared', { http: { status: HTTP_STATUS.FORBIDDEN } });
          }
        },
      };
    },
  };
}
