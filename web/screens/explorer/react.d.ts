// The little of React the explorer uses (GraphiQL is a React component); the dashboard itself is Preact
// and @types/react is not installed, so these declarations type only what mountGraphiql.ts calls.
declare module 'react' {
  export type ReactElement = { readonly type: unknown };
  export function createElement(type: unknown, props?: object | null): ReactElement;
}

declare module 'react-dom/client' {
  import type { ReactElement } from 'react';
  export interface Root {
    render(element: ReactElement): void;
    unmount(): void;
  }
  export function createRoot(container: Element): Root;
}
