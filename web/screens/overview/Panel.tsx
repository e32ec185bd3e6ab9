// A breakdown panel: its tabs, the selected tab's rows (visitors, share, the second metric), how many
// rows the privacy threshold left out, and a CSV of exactly the rows shown. A row filters the page.
import { useState } from 'preact/hooks';
import { useI18n, type I18n, type MessageKey } from '../../i18n.ts';
import { toCsv } from '../../ui/csv.ts';
import { saveBlobFile } from '../../ui/saveBlobFile.ts';
import { Tabs } from '../../ui/Tabs.tsx';
import { formatValue } from './format.ts';
import type { PanelDef, TabDef } from './panels.ts';
import { share, type PanelData } from './query.ts';
import type { Filter } from './state.ts';

interface Props {
  panel: PanelDef;
  data: Record<string, PanelData> | undefined;
  /** Visitors of the whole (filtered) period: the base of each row's share; null under k. */
  totalVisitors: number | null;
  onFilter: (f: Filter) => void;
  /** Whether the numbers are being asked for (else, without data, the request failed: said above). */
  loading: boolean;
  /** The file name's stem: site and range. */
  fileStem: string;
}

interface ShownRow {
  value: string | null;
  label: string;
  visitors: string;
  share: string;
  second: string;
}

function shownRows(i18n: I18n, tab: TabDef, data: PanelData, total: number | null): ShownRow[] {
  // Pageviews have no event name: the events tab lists events only.
  const rows = tab.dimension === 'eventName' ? data.rows.filter((r) => r.value !== null && r.value !== '') : data.rows;
  return rows.map((r) => {
    const sh = share(r.visitors, total);
    return {
      value: r.value,
      label: formatValue(i18n, tab.dimension, r.value),
      visitors: r.visitors === null ? '' : i18n.number(r.visitors),
      share: sh === null ? '' : i18n.number(sh, { style: 'percent', maximumFractionDigits: 1 }),
      second: r.second === null ? '' : i18n.number(r.second),
    };
  });
}

export function Panel({ panel, data, totalVisitors, onFilter, loading, fileStem }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const [selected, setSelected] = useState(panel.tabs[0]?.id ?? '');
  const tab = panel.tabs.find((x) => x.id === selected) ?? panel.tabs[0];
  if (tab === undefined) return null;
  const tabData = data?.[tab.id];
  const rows = tabData === undefined ? [] : shownRows(i18n, tab, tabData, totalVisitors);
  const header = [t(tab.label), t('overview.col.visitors'), t('overview.col.share'), t(`overview.col.${tab.second}` as MessageKey)];
  // A byte-order mark first, so spreadsheet programs read the UTF-8 (Cyrillic page titles) as UTF-8.
  const download = () =>
    saveBlobFile({ name: `${fileStem}-${tab.id}.csv`, type: 'text/csv;charset=utf-8', content: `\ufeff${toCsv(header, rows.map((r) => [r.label, r.visitors, r.share, r.second]))}` });
  const titleId = `ov-panel-${panel.id}-title`;

  return (
    <section class="ov-panel" aria-labelledby={titleId}>
      <header class="ov-panel-head">
        <h2 id={titleId}>{t(panel.title)}</h2>
        <button type="button" class="link" onClick={download} disabled={tabData === undefined} aria-label={t('overview.csvOf', { tab: t(tab.label) })}>
          {t('overview.csv')}
        </button>
      </header>
      {panel.tabs.length > 1 ? (
        <Tabs idPrefix={`ov-${panel.id}`} label={t(panel.title)} tabs={panel.tabs.map((x) => ({ id: x.id, label: t(x.label) }))} selected={tab.id} onSelect={setSelected}>
          <RowsTable tab={tab} rows={rows} header={header} suppressed={tabData?.suppressedRows ?? 0} loaded={tabData !== undefined} loading={loading} onFilter={onFilter} />
        </Tabs>
      ) : (
        <RowsTable tab={tab} rows={rows} header={header} suppressed={tabData?.suppressedRows ?? 0} loaded={tabData !== undefined} loading={loading} onFilter={onFilter} />
      )}
    </section>
  );
}

interface TableProps {
  tab: TabDef;
  rows: readonly ShownRow[];
  header: readonly string[];
  suppressed: number;
  loaded: boolean;
  loading: boolean;
  onFilter: (f: Filter) => void;
}

/** "1 row below the privacy threshold", "3 rows below…". */
export function suppressedText(i18n: I18n, n: number): string {
  const one = new Intl.PluralRules(i18n.locale).select(n) === 'one';
  return i18n.t(one ? 'overview.suppressed.one' : 'overview.suppressed.other', { n: i18n.number(n) });
}

function RowsTable({ tab, rows, header, suppressed, loaded, loading, onFilter }: TableProps) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <div class="ov-rows" data-tab={tab.id}>
      {!loaded ? (
        loading ? <p class="loading">{t('app.loading')}</p> : null
      ) : rows.length === 0 ? (
        <p class="ov-empty">{t('overview.empty')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              {header.map((h, i) => (
                <th key={i} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <th scope="row">
                  {r.value === null || r.value === '' ? (
                    <span>{r.label}</span>
                  ) : (
                    <button type="button" class="ov-row-filter" title={t('overview.filterBy', { value: r.label })} onClick={() => onFilter({ dimension: tab.dimension, value: r.value ?? '' })}>
                      {r.label}
                    </button>
                  )}
                </th>
                <td>{r.visitors}</td>
                <td>{r.share}</td>
                <td>{r.second}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {loaded && suppressed > 0 ? <p class="ov-suppressed">{suppressedText(i18n, suppressed)}</p> : null}
    </div>
  );
}
