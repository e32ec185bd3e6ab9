// The breakdown panels and their tabs: which dimension each tab groups by and its second metric. Pure.
import type { MessageKey } from '../../i18n.ts';

/** StatsRow dimension fields the overview groups or filters by, with the API's Dimension enum name. */
export const DIMENSION_ENUM = {
  page: 'PAGE',
  entryPage: 'ENTRY_PAGE',
  exitPage: 'EXIT_PAGE',
  referrerSource: 'REFERRER_SOURCE',
  referrerHost: 'REFERRER_HOST',
  utmSource: 'UTM_SOURCE',
  utmMedium: 'UTM_MEDIUM',
  utmCampaign: 'UTM_CAMPAIGN',
  country: 'COUNTRY',
  region: 'REGION',
  browser: 'BROWSER',
  os: 'OS',
  device: 'DEVICE',
  eventName: 'EVENT_NAME',
} as const;
export type DimensionField = keyof typeof DIMENSION_ENUM;

export const isDimensionField = (v: string): v is DimensionField => Object.hasOwn(DIMENSION_ENUM, v);

export type SecondMetric = 'pageviews' | 'visits' | 'events';

export interface TabDef {
  /** Also the GraphQL alias of its query. */
  id: string;
  dimension: DimensionField;
  label: MessageKey;
  second: SecondMetric;
}

export interface PanelDef {
  id: string;
  title: MessageKey;
  tabs: readonly TabDef[];
}

const tab = (id: string, dimension: DimensionField, second: SecondMetric): TabDef => ({ id, dimension, label: `overview.dim.${dimension}` as MessageKey, second });

export const PANELS: readonly PanelDef[] = [
  { id: 'pages', title: 'overview.panel.pages', tabs: [tab('pages', 'page', 'pageviews'), tab('entryPages', 'entryPage', 'visits'), tab('exitPages', 'exitPage', 'visits')] },
  {
    id: 'sources',
    title: 'overview.panel.sources',
    tabs: [
      tab('sources', 'referrerSource', 'visits'),
      tab('referrers', 'referrerHost', 'visits'),
      tab('utmSource', 'utmSource', 'visits'),
      tab('utmMedium', 'utmMedium', 'visits'),
      tab('utmCampaign', 'utmCampaign', 'visits'),
    ],
  },
  { id: 'locations', title: 'overview.panel.locations', tabs: [tab('countries', 'country', 'visits'), tab('regions', 'region', 'visits')] },
  { id: 'devices', title: 'overview.panel.devices', tabs: [tab('browsers', 'browser', 'visits'), tab('systems', 'os', 'visits'), tab('devices', 'device', 'visits')] },
  { id: 'events', title: 'overview.panel.events', tabs: [tab('events', 'eventName', 'events')] },
];

export const ALL_TABS: readonly TabDef[] = PANELS.flatMap((p) => p.tabs);
/** The tab each panel opens on: asked with the overview's first request. */
export const FIRST_TABS: readonly TabDef[] = PANELS.flatMap((p) => p.tabs.slice(0, 1));
/** The other tabs: asked in a second request once the first has answered (each tab costs a breakdown). */
export const OTHER_TABS: readonly TabDef[] = ALL_TABS.filter((t) => !FIRST_TABS.includes(t));

/** Rows each tab shows. */
export const PANEL_LIMIT = 10;
