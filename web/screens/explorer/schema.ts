// The explorer asks for the schema itself, under the picked purpose, so that a refusal (in production
// introspection needs a key declaring ADMINISTRATION: src/graphql/introspectionPlugin.ts) becomes a note
// above the editor, and GraphiQL, given the schema or null, never asks again.
import { buildClientSchema, getIntrospectionQuery, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import { ApiFailure, graphql, type Purpose } from '../../api.ts';

export type SchemaState = { kind: 'loading' } | { kind: 'ready'; schema: GraphQLSchema } | { kind: 'refused'; message: string };

export async function loadSchema(purpose: Purpose): Promise<SchemaState> {
  try {
    const data = await graphql<IntrospectionQuery>(purpose, getIntrospectionQuery());
    return { kind: 'ready', schema: buildClientSchema(data) };
  } catch (e) {
    return { kind: 'refused', message: e instanceof ApiFailure ? e.message : String(e) };
  }
}
