// The explorer asks for the schema itself, under the picked purpose, so that a refusal (in production
// introspection needs a key declaring ADMINISTRATION: src/graphql/introspectionPlugin.ts) becomes a note
// above the editor, and GraphiQL, given the schema or null, never asks again.
import { buildClientSchema, type GraphQLSchema } from 'graphql';
import { ApiFailure, type Purpose } from '../../api.ts';
import { fetchIntrospection } from './introspection.ts';

export type SchemaState = { kind: 'loading' } | { kind: 'ready'; schema: GraphQLSchema } | { kind: 'refused'; message: string };

export async function loadSchema(purpose: Purpose): Promise<SchemaState> {
  try {
    return { kind: 'ready', schema: buildClientSchema(await fetchIntrospection(purpose)) };
  } catch (e) {
    return { kind: 'refused', message: e instanceof ApiFailure ? e.message : String(e) };
  }
}
