// uPlot, loaded once and kept: early.ts starts it while the numbers are asked, the chart draws with it.
// NOTE: a module of its own, without Preact or the page's messages, so the page's first requests
// (web/start.ts, in the small boot script) can start it without loading the chart's component.
import type uPlot from 'uplot';

let loaded: typeof uPlot | undefined;

/** Loads and runs uPlot (once); the chart draws at once from then on. */
export function loadChartLibrary(): Promise<typeof uPlot> {
  return import('uplot').then(({ default: UPlot }) => (loaded = UPlot));
}

/** uPlot when it has been loaded already, else undefined. */
export function loadedChartLibrary(): typeof uPlot | undefined {
  return loaded;
}
