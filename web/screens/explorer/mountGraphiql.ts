// Renders React's GraphiQL into a node a Preact component owns. React, ReactDOM and GraphiQL are imported
// here, dynamically, so they load only when the explorer opens (the dashboard's first load stays small).
import type { GraphQLSchema } from 'graphql';
import type { Purpose } from '../../api.ts';
import { purposeFetcher } from './fetcher.ts';

export interface GraphiqlOptions {
  purpose: Purpose;
  /** The schema, or null when it could not be loaded (GraphiQL then does not ask for it). */
  schema: GraphQLSchema | null;
  /** The query the editor opens with (the URL's `query`), if any. */
  query: string | undefined;
}

/** GraphiQL's stylesheet: linked once, when the explorer first opens (it is 400 KB, fonts included). */
function linkStylesheet(): void {
  if (document.querySelector('link[data-graphiql]') !== null) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = __GRAPHIQL_CSS__;
  link.dataset.graphiql = '';
  document.head.append(link);
}

/** React and ReactDOM are CommonJS: esbuild's split chunk for them exports module.exports as `default`. */
function commonJs<T extends object>(ns: T): T {
  return (ns as { default?: T }).default ?? ns;
}

/** Mounts GraphiQL into `node`; the returned function unmounts it. */
export async function mountGraphiql(node: Element, options: GraphiqlOptions): Promise<() => void> {
  linkStylesheet();
  const [react, reactDom, { GraphiQL }] = await Promise.all([import('react'), import('react-dom/client'), import('graphiql')]);
  const { createElement } = commonJs(react);
  const { createRoot } = commonJs(reactDom);
  const root = createRoot(node);
  root.render(
    createElement(GraphiQL, {
      fetcher: purposeFetcher(options.purpose),
      schema: options.schema,
      // The purpose is chosen above the editor; a header typed in GraphiQL would only confuse it.
      isHeadersEditorEnabled: false,
      shouldPersistHeaders: false,
      // Queries, variables (a subject's cookie id, say) and history stay in this tab, not on the machine.
      storage: sessionStorage,
      // The dashboard is light; GraphiQL would otherwise follow the system's theme.
      forcedTheme: 'light',
      ...(options.query === undefined ? {} : { query: options.query }),
    }),
  );
  return () => root.unmount();
}
