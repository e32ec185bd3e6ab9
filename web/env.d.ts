// esbuild bundles imported stylesheets into the entry's CSS file.
declare module '*.css';
/** The URL of GraphiQL's stylesheet, set by scripts/buildDashboard.ts (linked by the API explorer only). */
declare const __GRAPHIQL_CSS__: string;
