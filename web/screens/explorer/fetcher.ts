// GraphiQL's fetcher: the session cookie and the picked purpose, like every dashboard request (web/api.ts).
// The answer goes to GraphiQL as the server sent it, errors included, so the user sees what an API client sees.
import type { Purpose } from '../../api.ts';

export interface GraphqlParams {
  query: string;
  operationName?: string | null;
  variables?: unknown;
}

export function purposeFetcher(purpose: Purpose): (params: GraphqlParams) => Promise<unknown> {
  return async (params) => {
    const res = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', 'x-calypso-purpose': purpose },
      body: JSON.stringify(params),
    });
    const text = await res.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return { errors: [{ message: `the server answered ${res.status}: ${text.slice(0, 200)}` }] };
    }
  };
}
