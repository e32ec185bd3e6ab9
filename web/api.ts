// The dashboard's only way to the data: the same /graphql (and REST routes) as any API client, with the
// session cookie instead of a key, and the purpose each screen serves declared on every request.
export type Purpose = 'STATISTICS' | 'ADVERTISING' | 'PERSONALIZATION' | 'SUBJECT_REQUEST' | 'LEGAL_OBLIGATION' | 'ADMINISTRATION';

/** Who is signed in: the key the session stands for (never its secret). */
export interface Session {
  keyId: string;
  name: string;
  purposes: Purpose[];
  /** The key's sites, or '*' for every site. */
  sites: string[] | '*';
}

/** A cookie's consent (a site's default, a subject's current), as the API names its four flags. */
export interface ConsentFlags {
  statistics: boolean;
  personalization: boolean;
  advertising: boolean;
  thirdParty: boolean;
}

export const CONSENT_FLAGS = ['statistics', 'personalization', 'advertising', 'thirdParty'] as const;

/** What an input broke, as the API names it (`extensions.rule`, `params`): the page words it itself. */
export interface FailureRule {
  rule: string;
  params: Readonly<Record<string, string | number | readonly string[]>>;
}

/** An error the API answered: its code and, for bad input, the field (`rule.all[1].visited.path`) and rule. */
export class ApiFailure extends Error {
  readonly code: string;
  readonly field: string | undefined;
  readonly status: number;
  readonly rule: FailureRule | undefined;
  constructor(message: string, code: string, status: number, field?: string, rule?: FailureRule) {
    super(message);
    this.code = code;
    this.status = status;
    this.field = field;
    this.rule = rule;
  }
}

/** The rule of an error body or GraphQL extensions, when it names one. */
function ruleOf(o: { rule?: unknown; params?: unknown } | undefined): FailureRule | undefined {
  if (typeof o?.rule !== 'string') return undefined;
  const params = o.params !== null && typeof o.params === 'object' ? (o.params as FailureRule['params']) : {};
  return { rule: o.rule, params };
}

interface GraphqlBody<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string; rule?: unknown; params?: unknown } }>;
}

/** One GraphQL request under `purpose`; throws ApiFailure for the first error. */
export async function graphql<T>(purpose: Purpose, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await fetch('/graphql', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-calypso-purpose': purpose },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json().catch(() => ({}))) as GraphqlBody<T>;
  const first = body.errors?.[0];
  // A 401 here means the session itself is gone (its key revoked, or idle too long): the app signs out.
  if (res.status === 401) sessionEnded?.(first?.extensions?.code ?? 'UNAUTHENTICATED');
  if (first !== undefined) throw new ApiFailure(first.message, first.extensions?.code ?? 'INTERNAL_SERVER_ERROR', res.status, first.extensions?.field, ruleOf(first.extensions));
  if (!res.ok || body.data == null) throw new ApiFailure(`the server answered ${res.status}`, 'INTERNAL_SERVER_ERROR', res.status);
  return body.data;
}

let sessionEnded: ((code: string) => void) | undefined;

/** Tells `listener` when an API call finds the session gone (the code: KEY_REVOKED or UNAUTHENTICATED). */
export function onSessionEnded(listener: ((code: string) => void) | undefined): void {
  sessionEnded = listener;
}

async function sessionCall(method: 'GET' | 'POST' | 'DELETE', body?: unknown): Promise<Response> {
  return fetch('/session', {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { 'x-calypso-session': '1' } : { 'content-type': 'application/json', 'x-calypso-session': '1' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function failure(res: Response): Promise<ApiFailure> {
  const b = (await res.json().catch(() => ({}))) as { error?: string; code?: string; field?: string; rule?: unknown; params?: unknown };
  return new ApiFailure(b.error ?? `the server answered ${res.status}`, b.code ?? 'INTERNAL_SERVER_ERROR', res.status, b.field, ruleOf(b));
}

/** The current session, or undefined when signed out (or the key was revoked). */
export async function currentSession(): Promise<Session | undefined> {
  const res = await sessionCall('GET');
  if (res.status === 401) return undefined;
  if (!res.ok) throw await failure(res);
  // Signed out is `{"session": null}` (not a 401, which would be an error in the browser's console).
  return ((await res.json()) as { session: Session | null }).session ?? undefined;
}

/** Signs in with an API key's secret; the server keeps it, the page never does. */
export async function signIn(secret: string): Promise<Session> {
  const res = await sessionCall('POST', { key: secret });
  if (!res.ok) throw await failure(res);
  return ((await res.json()) as { session: Session }).session;
}

export async function signOut(): Promise<void> {
  await sessionCall('DELETE');
}
