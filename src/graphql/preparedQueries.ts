// Prepared queries: a query document seen before is parsed and validated once, then executed directly
// with graphql-js on later requests, skipping Apollo's per-request pipeline (content negotiation, query
// hashing, plugin dispatch). Only what Apollo would answer the same way takes this path: a POST of JSON
// with a `query` string, a query operation (no mutation), no introspection, no persisted-query extension,
// valid under the same rules. Everything else, and every request whose variables do not coerce, goes
// to Apollo. Errors are formatted by the same formatError, and the operation is audited the same way.
import { execute, getOperationAST, GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { introspects } from './introspectionPlugin.ts';

export interface PreparedQuery {
  readonly document: DocumentNode;
  readonly operationName: string | undefined;
}

export interface PreparedQueryOptions {
  maxTokens: number;
  validationRules: readonly ValidationRule[];
  /** Distinct documents kept (first in, first out). Default 1 000. */
  maxEntries?: number;
}

export interface PreparedQueries {
  /** The prepared query, or undefined when this request must go through Apollo. */
  get(query: string, operationName: unknown): PreparedQuery | undefined;
}

export function createPreparedQueries(schema: GraphQLSchema, options: PreparedQueryOptions): PreparedQueries {
  const max = options.maxEntries ?? 1_000;
  const rules = [...specifiedRules, ...options.validationRules];
  // null remembers "not eligible", so a mutation or an invalid document is not re-parsed each time.
  const cache = new Map<string, PreparedQuery | null>();

  const prepare = (query: string, operationName: string | undefined): PreparedQuery | null => {
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: options.maxTokens });
    } catch {
      return null;
    }
    if (validate(schema, document, rules).length > 0) return null;
    const operation = getOperationAST(document, operationName);
    if (operation === null || operation === undefined || operation.operation !== 'query' || introspects(document)) return null;
    return { document, operationName: operation.name?.value };
  };

  return {
    get(query, operationName) {
      if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
      const name = operationName ?? undefined;
      const key = `${name ?? ''}\0${query}`;
      let prepared = cache.get(key);
      if (prepared === undefined) {
        prepared = prepare(query, name);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(key, prepared);
      }
      return prepared ?? undefined;
    },
  };
}


type FormatError = (formatted: ReturnType<GraphQLError['toJSON']>, error: unknown) => ReturnType<GraphQLError['toJSON']>;

/**
 * Executes a prepared query; undefined when the variables do not coerce (Apollo answers those, 400).
 * Formats errors as Apollo does: code defaulted, `extensions.http` turned into the status, formatError.
 */
export async function executePrepared(schema: GraphQLSchema, prepared: PreparedQuery, variables: unknown, contextValue: unknown, formatError: FormatError) {
  const variableValues = variables === undefined || variables === null ? undefined : (variables as Record<string, unknown>);
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return undefined;
  const result = await execute({ schema, document: prepared.document, operationName: prepared.operationName, variableValues, contextValue });
  if (result.data === undefined) return undefined;
  let status = 200;
  const errors = result.errors?.map((error) => {
    const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' };
    const http = extensions.http as { status?: unknown } | undefined;
    if (http !== undefined && http !== null && typeof http === 'object') {
      if (typeof http.status === 'number') status = http.status;
      delete extensions.http;
    }
    try {
      return formatError({ ...error.toJSON(), extensions }, error);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { status, data: result.data, errors, body: `${JSON.stringify({ ...result, errors })}\n` };
}
