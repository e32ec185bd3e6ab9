// Screens are paths (/overview, /segments, …); a screen's state (site, range, filters) is the query
// string, so a view can be bookmarked and sent to a colleague.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** The screen's id: the first path segment ('' for /). */
  screen: string;
  params: URLSearchParams;
}

function current(): Route {
  return { screen: location.pathname.split('/')[1] ?? '', params: new URLSearchParams(location.search) };
}

const listeners = new Set<() => void>();
addEventListener('popstate', () => listeners.forEach((l) => l()));

/** Goes to a screen with its state; `replace` for state changes that should not fill the history. */
export function navigate(screen: string, params: URLSearchParams | Record<string, string> = {}, replace = false): void {
  const q = new URLSearchParams(params).toString();
  const url = `/${screen}${q === '' ? '' : `?${q}`}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  listeners.forEach((l) => l());
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return route;
}
