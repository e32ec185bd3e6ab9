// The little of React the explorer uses (GraphiQL is a React component); the dashboard itself is Preact
// and @types/react is not installed, so these declarations type only what mountGraphiql.ts and
// styleSingleton.ts call.
declare module 'react' {
  export type ReactElement = { readonly type: unknown };
  export function createElement(type: unknown, props?: object | null): ReactElement;
  /** Used by styleSingleton.ts, which replaces react-style-singleton in the bundle. */
  export function useEffect(effect: () => void | (() => void), deps?: readonly unknown[]): void;
}

declare module 'react-dom/client' {
  import type { ReactElement } from 'react';
  export interface Root {
    render(element: ReactElement): void;
    unmount(): void;
  }
  export function createRoot(container: Element): Root;
}
