// Stands in for the npm package `react-style-singleton` (2.2, the same three exports) in the dashboard's
// bundle: scripts/buildDashboard.ts resolves every import of that package here. GraphiQL's dialogs (Radix)
// lock the page's scroll with react-remove-scroll and react-remove-scroll-bar, which build their CSS at
// run time (it holds the measured scroll bar's width) and apply it through this package.
// NOTE: the package appends a `<style>` element, which our CSP blocks (style-src 'self', no
// 'unsafe-inline': the browser logs a violation and the scroll lock silently does nothing). A
// constructable stylesheet (`new CSSStyleSheet()`, `replaceSync`, `document.adoptedStyleSheets`) is
// not governed by style-src (it is the CSSOM, as `element.style` is: script we serve made it, and no
// markup an attacker injects can create one), so the same CSS applies with the CSP kept as strict.
// test/browser/explorer.test.ts opens both dialogs and checks the lock works with no violation.
import { useEffect } from 'react';

/** One stylesheet shared by every user of a singleton: added by the first, removed with the last. */
export interface StyleSheetSingleton {
  add(style: string): void;
  remove(): void;
}

export type StyleHook = (styles: string, isDynamic?: boolean) => void;

export interface SheetProps {
  styles: string;
  dynamic?: boolean;
}

export function stylesheetSingleton(): StyleSheetSingleton {
  let counter = 0;
  let sheet: CSSStyleSheet | null = null;
  return {
    add(style) {
      // As the package does: only the first user's CSS applies, until the last one leaves.
      if (counter === 0 && typeof document !== 'undefined') {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(style);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      }
      counter++;
    },
    remove() {
      counter--;
      if (counter === 0 && sheet !== null) {
        const gone = sheet;
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== gone);
        sheet = null;
      }
    },
  };
}

export function styleHookSingleton(): StyleHook {
  const sheet = stylesheetSingleton();
  return (styles, isDynamic) => {
    // The package's dependency list, kept: static CSS is added once per mount, dynamic CSS on each change.
    useEffect(() => {
      sheet.add(styles);
      return () => sheet.remove();
    }, [styles && isDynamic]);
  };
}

export function styleSingleton(): (props: SheetProps) => null {
  const useStyle = styleHookSingleton();
  return ({ styles, dynamic }) => {
    useStyle(styles, dynamic);
    return null;
  };
}
