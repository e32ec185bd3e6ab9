// Internal error factories and the formatter that keeps SQL, Redis and stacks away from clients.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from '../observability/logger.ts';
import { StoreError } from '../store/storeError.ts';
import { ApiError, ErrorCode, ruleKeys } from '../errors/apiError.ts';

// GraphQL answers 200 with errors (the GraphQL-over-HTTP spec), except who-are-you failures.
const GRAPHQL_HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  KEY_REVOKED: 401,
};

export function apiError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  const status = GRAPHQL_HTTP_STATUS[code];
  return new GraphQLError(message, { extensions: { code, ...extra, ...(status === undefined ? {} : { http: { status } }) } });
}

/** The GraphQL mapping of the error catalogue: `extensions.code`, `field`, `rule` and `params` when known, 401s as HTTP 401. */
export function apiExtensions(err: ApiError): Record<string, unknown> {
  const status = GRAPHQL_HTTP_STATUS[err.code];
  return { code: err.code, ...ruleKeys(err), ...(status === undefined ? {} : { http: { status } }) };
}

const PUBLIC_CODES: ReadonlySet<string> = new Set([...Object.values(ErrorCode), 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST']);

// graphql-js ends a message with its guesses at a misspelt name (`Did you mean "sites"?`): fields,
// arguments, types, enum values, input fields. That spells the schema out to anyone, key or not.
const SUGGESTION = / ?Did you mean(.+?)\?$/;

export interface FormatErrorOptions {
  /**
   * Strip "Did you mean …" from every message (validation and variable coercion alike), as Apollo's
   * hideSchemaDetailsFromClientErrors does for validation only. NOTE: on in production, for every
   * key: introspection is gated there, and a guessing client could otherwise rebuild the schema.
   */
  hideSuggestions: boolean;
}

/** Known codes pass through; anything else becomes INTERNAL_SERVER_ERROR with a generic message. */
export function createFormatError(log: Logger, options: FormatErrorOptions = { hideSuggestions: false }) {
  const format = formatWith(log);
  if (!options.hideSuggestions) return format;
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const out = format(formatted, error);
    return SUGGESTION.test(out.message) ? { ...out, message: out.message.replace(SUGGESTION, '') } : out;
  };
}

function formatWith(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // Apollo files validation and parse errors under its own codes; a limit we set keeps ours.
    const cause = (error as { originalError?: { extensions?: { code?: unknown } } } | undefined)?.originalError;
    const tooComplex = cause?.extensions?.code === ErrorCode.QUERY_TOO_COMPLEX || /more tha[nt] \d+ tokens/.test(formatted.message);
    if (tooComplex) {
      return { message: formatted.message, locations: formatted.locations, extensions: { code: ErrorCode.QUERY_TOO_COMPLEX } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PUBLIC_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const original = unwrapResolverError(error);
    // The catalogue's errors, thrown by validators and checks anywhere below (ConsentUnavailableError too): their code, field and message.
    if (original instanceof ApiError) return { message: original.message, path: formatted.path, locations: formatted.locations, extensions: apiExtensions(original) };
    const unavailable = original instanceof StoreError && original.retryable;
    log.error({ err: original instanceof Error ? original.message : String(original), path: formatted.path }, 'resolver failed');
    return {
      message: unavailable ? 'the event store is temporarily unavailable; retry later' : 'internal error',
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: unavailable ? ErrorCode.SERVICE_UNAVAILABLE : ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
