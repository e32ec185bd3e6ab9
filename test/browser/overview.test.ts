// The overview screen in Chromium against a real Calypso over a small known dataset (k = 2): signed in
// with a STATISTICS key, its cards, chart points, panel rows and comparison equal the API's answers;
// a row click filters the page (chip, numbers, URL), the URL reopens the view, suppressed rows are
// said, the CSV holds what the panel shows, realtime shows the live visitors; no console error or CSP
// violation; screenshots at 1440 and 375 px under test-results/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, MISSING_NOTE, requireChromium, signIn, SKIP_BROWSER } from '../support/browser.ts';
import { DEFAULT_DIST_DIR } from '../../src/dashboard/startDashboard.ts';
import { makeI18n } from '../../web/i18n.ts';
import { formatChange, formatMetric } from '../../web/screens/overview/format.ts';
import { CARD_METRICS, change, type CardMetric } from '../../web/screens/overview/query.ts';
import { presetRange, previousRange, todayIn } from '../../web/screens/overview/range.ts';
import { loadOverviewDataset, OVERVIEW_SITE } from '../support/overviewDataset.ts';
import { startTestService, type TestService } from '../support/testService.ts';

const RESULTS = path.resolve(import.meta.dirname, '../../test-results');
const en = makeI18n('en');

type Row = Record<string, string | number | null>;
interface Stats {
  rows: Row[];
  totals: Row;
  suppressedRows: number;
}

describe.skipIf(SKIP_BROWSER)(`overview in Chromium${MISSING_NOTE}`, () => {
  let svc: TestService;
  let key: string;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const range = () => presetRange('7d', todayIn('Europe/Moscow', new Date()));

  beforeAll(async () => {
    requireChromium();
    if (!fs.existsSync(path.join(DEFAULT_DIST_DIR, 'index.html'))) {
      execFileSync(process.execPath, [path.resolve(import.meta.dirname, '../../scripts/buildDashboard.ts')], { stdio: 'inherit' });
    }
    svc = await startTestService();
    key = await loadOverviewDataset(svc);
    // Two visitors on the site now, through the collector: the realtime block.
    for (const cid of ['live-1', 'live-2']) expect((await svc.collect({ site: OVERVIEW_SITE, url: 'https://shop.example/live', cid })).status).toBe(202);
    await svc.flush();
    fs.mkdirSync(RESULTS, { recursive: true });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US', acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const url = m.location().url;
      // Expected, not faults: the session probe before signing in (401), and the browser's favicon guess.
      if (url.endsWith('/session') && m.text().includes('401')) return;
      if (url.endsWith('/favicon.ico')) return;
      problems.push(`console: ${m.text()} (${url})`);
    });
    page.on('pageerror', (e) => void problems.push(`pageerror: ${e.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  const api = async (body: string, filter = '', r = range()) => {
    const res = await svc.gql<{ stats: Stats }>(key, 'STATISTICS', `query { stats(site: "${OVERVIEW_SITE}", from: "${r.from}", to: "${r.to}"${filter}) ${body} }`);
    expect(res.errors).toBeUndefined();
    return res.data!.stats;
  };
  const totals = async (filter = '', r = range()) => (await api(`{ totals { ${CARD_METRICS.join(' ')} } }`, filter, r)).totals as Record<CardMetric, number | null>;
  const card = (m: string) => page.locator('.metric-card', { has: page.locator('dt', { hasText: new RegExp(`^${m}$`) }) });
  const panelRows = (tab: string) =>
    page.locator(`.ov-rows[data-tab="${tab}"] tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th,td')].map((c) => (c.textContent ?? '').trim())));

  it('signs in with a STATISTICS key and opens a sent link on the same view', async () => {
    await signIn(page, svc.url, key);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    // The landing view's own requests done (its second, the other tabs, goes after its first answers),
    // so none of them is counted below as the sent link's.
    await page.locator('section.overview[data-ready="true"]').waitFor();
    await expect.poll(() => page.locator('.ov-panels .loading').count()).toBe(0);
    const asked: string[] = [];
    // The realtime refresh (every 10 s, a request of its own) is not the screen's load: a slow run can see one.
    const onRequest = (r: { url(): string; postData(): string | null }) =>
      void (r.url().endsWith('/graphql') && !(r.postData() ?? '').includes('OverviewRealtime') && asked.push(r.postData() ?? ''));
    page.on('request', onRequest);
    await page.goto(`${svc.url}/overview?site=${OVERVIEW_SITE}&range=7d`);
    // data-ready (what bench:dashboard waits for) comes with every panel's numbers already rendered.
    await page.locator('section.overview[data-ready="true"]').waitFor();
    expect(await page.locator('.metric-card .metric-value').count()).toBe(CARD_METRICS.length);
    expect(await page.locator('.ov-rows[data-tab="pages"] tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('.ov-realtime-pages li').count()).toBeGreaterThan(0);
    // The key's sites, then every number on screen (cards, both periods' charts, each panel's first tab,
    // realtime) in one request, then the panels' other tabs in one more.
    await expect.poll(() => asked.length).toBe(3);
    page.off('request', onRequest);
    expect(asked[0]).toContain('sites');
    expect(asked[1]).toContain('prevChart');
    expect(asked[1]).toContain('pages: stats');
    expect(asked[1]).not.toContain('entryPages');
    expect(asked[2]).toContain('entryPages: stats');
    expect(asked[2]).not.toContain('chart');
    await expect.poll(() => page.locator('.ov-panels .loading').count()).toBe(0);
    expect(await page.getByLabel('Date range').inputValue()).toBe('7d');
    expect(await page.getByLabel('Compare with the previous period').isChecked()).toBe(true);
  });

  it('shows the API numbers: every card with its change against the previous period', async () => {
    const [cur, prev] = await Promise.all([totals(), totals('', previousRange(range()))]);
    expect(cur.visitors).toBeGreaterThan(0);
    expect(prev.visitors).toBeGreaterThan(0);
    for (const m of CARD_METRICS) {
      const c = card(en.t(`overview.card.${m}`));
      await expect.poll(() => c.locator('.metric-value').textContent()).toBe(formatMetric(en, m, cur[m], 2));
      const pct = change(cur[m], prev[m]);
      expect((await c.locator('.metric-change').textContent())?.startsWith(pct === null ? '—' : formatChange(en, pct))).toBe(true);
    }
  });

  it('shows the chart points and panel rows of the API, and the rows suppressed below k', async () => {
    const chart = await api('{ rows { time(interval: DAY) visitors pageviews } suppressedRows }');
    await page.getByText('Show the figures as a table').click();
    const points = await page.locator('.ov-chart-table tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [(tr as HTMLElement).dataset.bucket, ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]),
    );
    expect(points).toHaveLength(7);
    for (const r of chart.rows) {
      const p = points.find((x) => x[0] === r.time);
      expect(p?.slice(1, 3)).toEqual([String(r.visitors), String(r.pageviews)]);
    }
    const pages = await api('{ rows { page visitors pageviews } totals { visitors } suppressedRows }', ', limit: 10');
    expect(pages.suppressedRows).toBe(1); // the lone visitor's /about
    const total = Number(pages.totals.visitors);
    expect(await panelRows('pages')).toEqual(
      pages.rows.map((r) => [String(r.page), String(r.visitors), en.number(Number(r.visitors) / total, { style: 'percent', maximumFractionDigits: 1 }), String(r.pageviews)]),
    );
    await expect.poll(() => page.locator('.ov-rows[data-tab="pages"] .ov-suppressed').textContent()).toBe('1 row below the privacy threshold');
    await page.screenshot({ path: path.join(RESULTS, 'overview-1440.png'), fullPage: true });
  });

  it('downloads a panel as CSV holding exactly its rows', async () => {
    const shown = await panelRows('pages');
    const panel = page.locator('section.ov-panel', { has: page.getByRole('heading', { name: 'Pages' }) });
    const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Download CSV' }).click()]);
    const file = await download.path();
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toBe(`\ufeff${['Pages,Visitors,Share,Pageviews', ...shown.map((r) => r.join(','))].join('\r\n')}\r\n`);
  });

  it('a row click filters the whole page: a chip, the filtered numbers, the URL; removing the chip undoes it', async () => {
    await page.locator('.ov-rows[data-tab="pages"]').getByRole('button', { name: '/pricing' }).click();
    await page.waitForURL(/f=page%3A%2Fpricing/);
    await page.getByRole('button', { name: 'Remove filter Pages: /pricing' }).waitFor();
    const filtered = await totals(', filter: [{dimension: PAGE, op: EQ, values: ["/pricing"]}]');
    await expect.poll(() => card('Visitors').locator('.metric-value').textContent()).toBe(formatMetric(en, 'visitors', filtered.visitors, 2));
    await expect.poll(() => panelRows('pages')).toEqual([['/pricing', '2', '100%', '2']]);
    // A second filter from another panel combines with the first.
    await page.getByRole('tab', { name: 'Sources' }).waitFor();
    // As the panel asks it (with visits: each visit's own source, docs/visits.md).
    const sources = await api('{ rows { referrerSource visitors visits } }', ', filter: [{dimension: PAGE, op: EQ, values: ["/pricing"]}]');
    const first = String(sources.rows[0]?.referrerSource);
    await page.locator('.ov-rows[data-tab="sources"]').getByRole('button', { name: en.t(`overview.source.${first}` as never) }).click();
    await page.waitForURL(/f=referrerSource/);
    expect(await page.locator('.chips .chip').count()).toBe(2);
    // The URL alone reopens the view.
    const url = page.url();
    const again = await context.newPage();
    await again.goto(url);
    await again.locator('.chips .chip').nth(1).waitFor();
    expect(await again.locator('.chips .chip').count()).toBe(2);
    await again.close();
    await page.getByRole('button', { name: 'Clear all filters' }).click();
    await page.waitForURL((u) => !u.search.includes('f='));
    await expect.poll(() => card('Visitors').locator('.metric-value').textContent()).toBe(formatMetric(en, 'visitors', (await totals()).visitors, 2));
  });

  it('totals under k read "fewer than k"; comparison off and a custom range go into the URL', async () => {
    // The lone visitor's page: one visitor, under k = 2.
    await page.goto(`${svc.url}/overview?site=${OVERVIEW_SITE}&range=7d&f=page%3A%2Fabout`);
    const hidden = await totals(', filter: [{dimension: PAGE, op: EQ, values: ["/about"]}]');
    expect(hidden.visitors).toBeNull();
    await expect.poll(() => card('Visitors').locator('.metric-value').textContent()).toBe('fewer than 2');
    await page.getByRole('button', { name: 'Remove filter Pages: /about' }).click();
    await page.waitForURL((u) => !u.search.includes('f='));
    await page.getByLabel('Compare with the previous period').uncheck();
    await page.waitForURL(/compare=0/);
    await expect.poll(() => page.locator('.metric-change').count()).toBe(0);
    await page.getByLabel('Date range').selectOption('custom');
    const r = range();
    await page.waitForURL(new RegExp(`range=custom&from=${r.from}&to=${r.to}`));
    expect(await page.getByLabel('From').inputValue()).toBe(r.from);
    await page.getByLabel('Interval').selectOption('HOUR');
    await page.waitForURL(/interval=HOUR/);
    await expect.poll(() => page.locator('.ov-chart-table tbody tr').count()).toBe(7 * 24);
    await page.getByLabel('Compare with the previous period').check();
    await page.getByLabel('Date range').selectOption('7d');
    await page.waitForURL((u) => !u.search.includes('compare=') && u.search.includes('range=7d'));
  });

  it('tabs are real tabs: arrow keys move between them', async () => {
    const first = page.getByRole('tab', { name: 'Pages', exact: true });
    await first.focus();
    await page.keyboard.press('ArrowRight');
    const entry = page.getByRole('tab', { name: 'Entry pages' });
    expect(await entry.getAttribute('aria-selected')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Entry pages');
    await page.locator('.ov-rows[data-tab="entryPages"]').waitFor();
  });

  it('shows realtime visitors and their pages, refreshed every 10 s', async () => {
    await expect.poll(() => page.locator('.ov-realtime-count').textContent()).toBe('2 visitors in the last 5 minutes');
    expect(await page.locator('.ov-realtime-pages li').first().textContent()).toContain('/live');
    expect((await svc.collect({ site: OVERVIEW_SITE, url: 'https://shop.example/live', cid: 'live-3' })).status).toBe(202);
    await svc.flush();
    await expect.poll(() => page.locator('.ov-realtime-count').textContent(), { timeout: 25_000 }).toBe('3 visitors in the last 5 minutes');
  });

  it('works at 375 px with no console errors or CSP violations', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${svc.url}/overview?site=${OVERVIEW_SITE}&range=7d`);
    await page.locator('.ov-rows[data-tab="pages"] tbody tr').first().waitFor();
    await page.locator('.ov-chart-box canvas').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(RESULTS, 'overview-375.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('reads in Russian after the language switch, panels and counts included, at 1440 and 375 px', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${svc.url}/overview?site=${OVERVIEW_SITE}&range=7d`);
    await page.getByRole('button', { name: 'Язык: русский' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Страницы' }).count()).toBe(1);
    await expect.poll(() => page.locator('.ov-rows[data-tab="pages"] .ov-suppressed').textContent()).toBe('Строк ниже порога приватности: 1');
    await expect.poll(() => page.locator('.ov-realtime-count').textContent()).toMatch(/^Посетителей за последние 5 минут: \d+$/);
    await page.screenshot({ path: path.join(RESULTS, 'overview-ru-1440.png'), fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(RESULTS, 'overview-ru-375.png'), fullPage: true });
    // Back to English for whoever uses this context next.
    await page.getByRole('button', { name: 'Language: English' }).click();
    expect(problems).toEqual([]);
  });
});
