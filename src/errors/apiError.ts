// The one catalogue of coded errors clients may rely on, each with its HTTP status (the models:
// fastify's lib/errors.js and Apollo's ApolloServerErrorCode). Every validator throws an ApiError;
// it is mapped once for GraphQL (graphql/errors.ts, formatError) and once for REST (http/respond.ts,
// sendError), so both answer the same code, field and message. A validator also names the rule the
// input broke (`rule`, `params`): machine-readable, so a client (the dashboard) can say it in its own
// language while `message` stays the API's English sentence.

/** The stable codes: GraphQL `extensions.code` and REST `{"code"}`. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  KEY_REVOKED: 'KEY_REVOKED',
  PURPOSE_REQUIRED: 'PURPOSE_REQUIRED',
  PURPOSE_NOT_ALLOWED: 'PURPOSE_NOT_ALLOWED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  CONFLICT: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  RANGE_TOO_LARGE: 'RANGE_TOO_LARGE',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  RATE_LIMITED: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The HTTP status of each code on the REST routes (GraphQL answers 200 with errors, but for 401s). */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  KEY_REVOKED: 401,
  PURPOSE_REQUIRED: 403,
  PURPOSE_NOT_ALLOWED: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_TOO_LARGE: 400,
  QUERY_TOO_COMPLEX: 400,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
};

/**
 * What an input broke, with its `params` (numbers and strings, never more than ECHO_MAX of client input):
 * - required: nothing was given
 * - length {min?, max?}: a text's characters; range {min?, max?}: a number's (or a date's) bounds;
 *   items {min?, max?, got?}: a list's entries
 * - format {format: one of ERROR_FORMATS, got?}: not the shape that format names
 * - oneOf {allowed, got?}: a value not among those allowed; unknown {name, allowed}: a key (a consent
 *   flag, a rule node, a field) that is not one; exclusive {allowed}: needs exactly one of these keys
 * - depth {max}: a segment rule nested too deep
 * - notFound {kind: site | segment, id}; duplicate {kind: site, id}
 * - sameKind: from and to are not both dates or both timestamps; dateOrder: to is not after from
 * - retention {days, max}: a range or window of `days` past the site's retention of `max` days
 * - sameSite: two segments of different sites; notReady: a segment with no live version yet
 * - bootstrapKey: the bootstrap key cannot be revoked through the API; siteBound: a site-bound key acts
 *   beyond its sites
 */
export const ERROR_RULES = [
  'required', 'length', 'range', 'items', 'format', 'oneOf', 'unknown', 'exclusive', 'depth', 'notFound', 'duplicate',
  'sameKind', 'dateOrder', 'retention', 'sameSite', 'notReady', 'bootstrapKey', 'siteBound',
] as const;
export type ErrorRule = (typeof ERROR_RULES)[number];
/** The shapes of the `format` rule (`params.format`). */
export const ERROR_FORMATS = ['siteId', 'hostname', 'timeZone', 'date', 'consent', 'boolean', 'object', 'path', 'printable'] as const;
export type ErrorFormat = (typeof ERROR_FORMATS)[number];
export type ErrorParams = Readonly<Record<string, string | number | readonly string[]>>;

export interface ApiErrorOptions {
  /** The input field at fault, as a path (`events[3].url`, `rule.all[1].visited.path`). */
  field?: string;
  /** The rule the input broke, for clients that word errors themselves (GraphQL `extensions.rule`). */
  rule?: ErrorRule;
  params?: ErrorParams;
  /** Overrides the code's status (e.g. 413 for an input too large that is still BAD_USER_INPUT). */
  status?: number;
  /** Seconds a client should wait before retrying (429, 503): sent as Retry-After. */
  retryAfter?: number;
  cause?: unknown;
}

/** An error a client may see as it is: its message never carries more than ECHO_MAX of client input. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  readonly retryAfter: number | undefined;
  readonly rule: ErrorRule | undefined;
  readonly params: ErrorParams | undefined;
  constructor(code: ErrorCode, message: string, opts: ApiErrorOptions = {}) {
    super(message, { cause: opts.cause });
    this.code = code;
    this.status = opts.status ?? HTTP_STATUS[code];
    this.field = opts.field;
    this.retryAfter = opts.retryAfter;
    this.rule = opts.rule;
    this.params = opts.rule === undefined ? undefined : (opts.params ?? {});
  }
}

/** The error every validator throws: the field at fault and what it expects. */
export class InputError extends ApiError {
  override name = 'InputError';
  declare readonly field: string;
  constructor(field: string, message: string, opts: Omit<ApiErrorOptions, 'field'> = {}) {
    super(ErrorCode.BAD_USER_INPUT, message, { ...opts, field });
  }
}

/** An InputError that names its rule: `invalid('name', 'name must be 1–200 characters', 'length', {min: 1, max: 200})`. */
export function invalid(field: string, message: string, rule: ErrorRule, params?: ErrorParams): InputError {
  return new InputError(field, message, { rule, params });
}

/** The one error body of every REST route. */
export interface ErrorBody {
  error: string;
  code: ErrorCode;
  field?: string;
  rule?: ErrorRule;
  params?: ErrorParams;
}

export function errorBody(err: ApiError): ErrorBody {
  return { error: err.message, code: err.code, ...ruleKeys(err) };
}

/** `field`, `rule` and `params` when the error has them: the optional keys of both mappings. */
export function ruleKeys(err: ApiError): Pick<ErrorBody, 'field' | 'rule' | 'params'> {
  return {
    ...(err.field === undefined ? {} : { field: err.field }),
    ...(err.rule === undefined ? {} : { rule: err.rule, params: err.params ?? {} }),
  };
}

/**
 * How much of a client's own input an error message may repeat: a 1 MB site id is never echoed whole.
 * Documented in the README ("Errors").
 */
export const ECHO_MAX = 64;

/** A client value quoted for an error message, cut to ECHO_MAX characters (with "…" when cut). */
export function echo(value: unknown): string {
  const cut = clip(typeof value === 'string' ? value : String(value));
  return JSON.stringify(cut.isWellFormed() ? cut : cut.toWellFormed());
}

/** The text cut to `max` characters, with "…" when cut (never half a surrogate pair): echo() without its quotes. */
export function clip(text: string, max = ECHO_MAX): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return `${cut.isWellFormed() ? cut : cut.toWellFormed()}…`;
}
