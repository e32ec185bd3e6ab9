// The subject-request screens in Debian's Chromium against an in-process Calypso (issue 13, screen 3):
// support signs in with a SUBJECT_REQUEST key, looks a cookie with known hits up, downloads its export,
// changes its consent and erases it with a reason → the receipt; the statistics drop by exactly its hits.
// The legal hold under LEGAL_OBLIGATION; a key without SUBJECT_REQUEST does not see the screen. No console
// errors or CSP violations anywhere; screenshots in test-results/.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDashboardBuilt, launchChromium, MISSING_NOTE, requireChromium, SKIP_BROWSER } from '../support/browser.ts';
import { eventually, siteWithKey, startTestService, type TestService } from '../support/testService.ts';

const root = path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(root, 'test-results');
const SITE = 'shop';
const SUBJECT = 'subject-7f3a';
/** The subject's hits: pageviews, so the statistics' pageview total drops by exactly this many. */
const SUBJECT_PATHS = ['/', '/catalog', '/catalog/shoes', '/catalog/shoes/42', '/cart', '/checkout', '/thanks'];
const CONTACT = 'privacy@shop.example';

// CI must run this test: there a missing browser is a failure, elsewhere a skip with a reason.
describe.skipIf(SKIP_BROWSER)(`subject requests in Chromium${MISSING_NOTE}`, () => {
  let svc: TestService;
  let browser: Browser | undefined;
  let supportKey: string; // SUBJECT_REQUEST and LEGAL_OBLIGATION
  let statsKey: string; // STATISTICS only: the totals, and a key that must not see the screen
  let problems: string[] = [];

  const day = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
  const pageviews = async () => {
    const r = await svc.gql<{ stats: { totals: { pageviews: number | null } } }>(statsKey, 'STATISTICS', `{ stats(site: "${SITE}", from: "${day(-1)}", to: "${day(1)}") { totals { pageviews } } }`);
    expect(r.errors).toBeUndefined();
    return r.data!.stats.totals.pageviews;
  };

  async function open(ctxOpts: Parameters<Browser['newContext']>[0]): Promise<{ context: BrowserContext; page: Page }> {
    problems = [];
    const context = await browser!.newContext({ acceptDownloads: true, ...ctxOpts });
    const page = await context.newPage();
    // Short waits: a missing element fails at its line, well inside the test's own timeout.
    page.setDefaultTimeout(10_000);
    // A CSP violation is reported on the console too; the event says which directive, for the message.
    await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`)));
    page.on('console', (m) => {
      // Signed out, GET /session answers 401 (that is how the page learns it); the browser logs that, and
      // a favicon it looks for on its own. Everything else logged as an error fails the test.
      const url = m.location().url;
      if (m.type() !== 'error' || (/\/session$/.test(url) && m.text().includes('401')) || url.endsWith('/favicon.ico')) return;
      problems.push(`console: ${m.text()} (${url})`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    return { context, page };
  }

  async function signIn(page: Page, key: string): Promise<void> {
    await page.goto(`${svc.url}/`);
    await page.locator('#key').fill(key);
    await page.locator('.signin button[type=submit]').click();
    await page.locator('.shell nav').waitFor();
  }

  const text = async (d: Download) => fs.readFileSync((await d.path())!, 'utf8');

  beforeAll(async () => {
    requireChromium();
    ensureDashboardBuilt();
    fs.mkdirSync(SHOTS, { recursive: true });
    svc = await startTestService({ env: { CALYPSO_CONTACT_EMAIL: CONTACT } });
    supportKey = await siteWithKey(svc, SITE, ['SUBJECT_REQUEST', 'LEGAL_OBLIGATION'], ', kAnonymity: 2');
    const k = await svc.gql<{ createApiKey: { secret: string } }>(svc.adminKey, 'ADMINISTRATION', `mutation { createApiKey(name: "stats", purposes: [STATISTICS], sites: ["${SITE}"]) { secret } }`);
    statsKey = k.data!.createApiKey.secret;
    // The subject's hits and other visitors' (so the totals stay above k after the erasure).
    const events = SUBJECT_PATHS.map((p) => ({ site: SITE, url: `https://${SITE}.example${p}?utm_source=mail`, cid: SUBJECT, consent: { statistics: true, advertising: true } }));
    for (const cid of ['other-1', 'other-2', 'other-3']) events.push({ site: SITE, url: `https://${SITE}.example/catalog`, cid, consent: { statistics: true, advertising: false } });
    const sent = await svc.collect({ events });
    expect(sent.body).toEqual({ accepted: events.length, rejected: [] });
    await svc.flush();
    expect(await eventually(pageviews, (n) => n === events.length, 10_000)).toBe(events.length);
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('looks the cookie up, downloads its export, changes its consent, erases it → the receipt; the totals drop by exactly its hits', async () => {
    const before = await pageviews();
    const { context, page } = await open({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    await signIn(page, supportKey);
    // The key's screens (and none of other purposes'): subject requests first, the key's landing screen.
    const nav = await page.locator('.shell nav a').allTextContents();
    expect(nav.slice(0, 2)).toEqual(['Subject requests', 'Legal hold']);
    for (const other of ['Overview', 'Segments', 'Administration']) expect(nav).not.toContain(other);
    await expect.poll(() => page.locator('.shell nav a[aria-current=page]').textContent()).toBe('Subject requests');
    // The address names the landing screen, so a reload or a copied link stays on it.
    await expect.poll(() => new URL(page.url()).pathname).toBe('/subjects');
    await page.locator('.shell nav a', { hasText: 'Subject requests' }).click();
    expect(new URL(page.url()).pathname).toBe('/subjects');

    await expect.poll(() => page.locator('#subjects-site').inputValue()).toBe(SITE);
    await page.getByLabel('Cookie id').fill(SUBJECT);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByRole('heading', { name: `Events held (${SUBJECT_PATHS.length})` }).waitFor();
    // The cookie id stays out of the address bar (history, logs, shared links).
    expect(page.url()).not.toContain(SUBJECT);
    const rows = page.locator('table.subject-events tbody tr');
    expect(await rows.count()).toBe(SUBJECT_PATHS.length);
    expect((await rows.locator('td:nth-child(3)').allTextContents()).sort()).toEqual(SUBJECT_PATHS.map((p) => `${SITE}.example${p}`).sort());
    await expect.poll(() => page.getByTestId('legal-hold-flag').textContent()).toBe('Nothing of this cookie is held in legal hold.');
    expect(await page.locator('.consent-flags').textContent()).toContain('Advertising: yes');
    await page.screenshot({ path: path.join(SHOTS, 'subjects-lookup-1440.png'), fullPage: true });

    // The downloads: the CSV byte for byte the server's own export, the JSON everything held.
    const rest = await fetch(`${svc.url}/v1/subjects/export?site=${SITE}&cookie=${SUBJECT}&format=csv`, { headers: { authorization: `Bearer ${supportKey}`, 'x-calypso-purpose': 'SUBJECT_REQUEST' } });
    expect(rest.status).toBe(200);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(csv.suggestedFilename()).toBe(`subject-${SITE}-${day(0)}.csv`);
    expect(await text(csv)).toBe(await rest.text());
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON' }).click()]);
    const exported = JSON.parse(await text(json)) as { events: Array<{ path: string }>; consent: { advertising: boolean }; consentLog: unknown[]; segments: unknown[]; legalHold: boolean };
    expect(exported.events.map((e) => e.path).sort()).toEqual([...SUBJECT_PATHS].sort());
    expect(exported).toMatchObject({ consent: { advertising: true }, consentLog: [{ source: 'counter' }], segments: [], legalHold: false });

    // Consent: advertising withdrawn, after a confirmation; the API sees it at once, the log grows.
    await page.getByRole('checkbox', { name: 'Advertising' }).uncheck();
    await page.getByRole('button', { name: 'Save consent…' }).click();
    const consentDialog = page.getByRole('dialog', { name: 'Change this consent?' });
    await consentDialog.waitFor();
    // Escape cancels, and Cancel has the focus: Enter on an open confirmation changes nothing.
    await page.keyboard.press('Escape');
    await consentDialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Save consent…' }).click();
    await consentDialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    expect(await consentDialog.textContent()).toContain(`cookie ${SUBJECT} on ${SITE}`);
    await consentDialog.getByRole('button', { name: 'Change consent' }).click();
    await page.getByRole('status').filter({ hasText: 'Consent saved' }).waitFor();
    const consent = await svc.gql<{ consent: { advertising: boolean; statistics: boolean } }>(supportKey, 'SUBJECT_REQUEST', `{ consent(site: "${SITE}", cookieId: "${SUBJECT}") { advertising statistics } }`);
    expect(consent.data).toEqual({ consent: { advertising: false, statistics: true } });
    await expect.poll(() => page.locator('.consent-flags').textContent()).toContain('Advertising: no');
    // The log is read from the store: the change shows there once it is written (a flush here).
    await svc.flush();
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByRole('heading', { name: 'Consent log (2)' }).waitFor();

    // Erasure: no reason, no erasure; with one, a confirmation naming the cookie, then the receipt.
    await page.getByRole('button', { name: 'Erase…' }).click();
    await expect.poll(() => page.getByLabel('Reason').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#subjects-reason-error').textContent()).toBe('Give the reason for the erasure.');
    expect(await page.getByRole('dialog').count()).toBe(0);
    await page.getByLabel('Reason').fill('e-mail of 30 November, ticket 4711');
    await page.getByRole('button', { name: 'Erase…' }).click();
    const eraseDialog = page.getByRole('dialog', { name: `Erase cookie ${SUBJECT}?` });
    await eraseDialog.waitFor();
    expect(await eraseDialog.textContent()).toContain(`${SUBJECT_PATHS.length} events`);
    await page.screenshot({ path: path.join(SHOTS, 'subjects-erase-confirm-1440.png') });
    // Cancel first: nothing is erased.
    await eraseDialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.locator('table.subject-events tbody tr').count()).toBe(SUBJECT_PATHS.length);
    await page.getByRole('button', { name: 'Erase…' }).click();
    await eraseDialog.getByRole('button', { name: `Erase ${SUBJECT}` }).click();

    const receipt = page.getByRole('region', { name: 'Erasure receipt' });
    await receipt.waitFor();
    const line = (key: string) => receipt.locator(`[data-line="${key}"] dd`).textContent();
    expect(await line('eventsErased')).toBe(String(SUBJECT_PATHS.length));
    expect(await line('cookie')).toBe(SUBJECT);
    expect(await line('site')).toBe(SITE);
    expect(await line('reason')).toBe('e-mail of 30 November, ticket 4711');
    expect(await line('contact')).toBe(CONTACT);
    expect(await line('id')).toMatch(/\S/);
    expect(await line('heldUntil')).toMatch(/\d{4}/);
    expect(await receipt.getByRole('button', { name: 'Print' }).count()).toBe(1);
    await page.screenshot({ path: path.join(SHOTS, 'subjects-receipt-1440.png'), fullPage: true });
    // On paper the receipt stands alone: no menu, no forms, no buttons.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.shell nav').isVisible()).toBe(false);
    expect(await page.locator('form.subject-lookup').isVisible()).toBe(false);
    expect(await receipt.getByRole('button', { name: 'Print' }).isVisible()).toBe(false);
    expect(await receipt.isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'subjects-receipt-print.png'), fullPage: true });
    await page.emulateMedia({ media: 'screen' });

    // The statistics (through the API) dropped by exactly the subject's hits; the cookie has nothing left.
    expect(await pageviews()).toBe(before! - SUBJECT_PATHS.length);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByText('No events are held.').waitFor();
    await expect.poll(() => page.getByTestId('legal-hold-flag').textContent()).toBe('A copy of an earlier erasure is held in legal hold.');
    await context.close();
    expect(problems).toEqual([]);
  }, 60_000);

  it('legal hold (LEGAL_OBLIGATION): cookie and legal basis → the held copy, downloadable as JSON; in Russian at 375 px', async () => {
    const { context, page } = await open({ viewport: { width: 375, height: 800 }, locale: 'ru-RU', isMobile: true, hasTouch: true });
    await signIn(page, supportKey);
    await page.locator('.shell nav a', { hasText: 'Юридическое хранение' }).click();
    expect(new URL(page.url()).pathname).toBe('/legalhold');
    // The screen's own path is served too: a reload (or a bookmark) lands on it.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Юридическое хранение' }).waitFor();
    await page.getByLabel('Идентификатор cookie').fill(SUBJECT);
    await page.getByRole('button', { name: 'Получить копию' }).click();
    // The basis is required before anything is asked of the server.
    await expect.poll(() => page.getByLabel('Правовое основание').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Правовое основание').fill('постановление суда № 12-345/2026');
    await page.getByRole('button', { name: 'Получить копию' }).click();
    await page.getByRole('heading', { name: `Копия данных cookie ${SUBJECT} на сайте ${SITE}` }).waitFor();
    expect(await page.locator('table.subject-events tbody tr').count()).toBe(SUBJECT_PATHS.length);
    expect(await page.getByText('e-mail of 30 November, ticket 4711').count()).toBe(1);
    // Nothing wider than the screen but the tables' own scrolling regions.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: path.join(SHOTS, 'subjects-legalhold-375.png'), fullPage: true });
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Скачать JSON' }).click()]);
    expect(file.suggestedFilename()).toBe(`legal-hold-${SITE}-${day(0)}.json`);
    const held = JSON.parse(await text(file)) as { basis: string; erasures: Array<{ reason: string }>; events: unknown[]; consentLog: unknown[] };
    expect(held.basis).toBe('постановление суда № 12-345/2026');
    expect(held.erasures.map((x) => x.reason)).toEqual(['e-mail of 30 November, ticket 4711']);
    expect(held.events).toHaveLength(SUBJECT_PATHS.length);
    expect(held.consentLog).toHaveLength(2);
    // A cookie with nothing held says so.
    await page.getByLabel('Идентификатор cookie').fill('never-seen');
    await page.getByRole('button', { name: 'Получить копию' }).click();
    await page.getByText(`Для cookie never-seen на сайте ${SITE} ничего не хранится.`).waitFor();
    await context.close();
    expect(problems).toEqual([]);
  }, 60_000);

  it('the subject screen at 375 px in Russian: the look-up and its errors at the field the API names', async () => {
    const { context, page } = await open({ viewport: { width: 375, height: 800 }, locale: 'ru-RU', isMobile: true, hasTouch: true });
    await signIn(page, supportKey);
    await page.getByLabel('Идентификатор cookie').fill('other-1');
    await page.getByRole('button', { name: 'Найти' }).click();
    await page.getByRole('heading', { name: 'Хранящиеся события (1)' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: path.join(SHOTS, 'subjects-lookup-375.png'), fullPage: true });
    // 129 characters: the API refuses the cookie id and the error is shown at that field.
    await page.getByLabel('Идентификатор cookie').evaluate((el: HTMLInputElement) => el.removeAttribute('maxlength'));
    await page.getByLabel('Идентификатор cookie').fill('x'.repeat(129));
    await page.getByRole('button', { name: 'Найти' }).click();
    await expect.poll(() => page.getByLabel('Идентификатор cookie').getAttribute('aria-invalid')).toBe('true');
    // In Russian, from the API's rule and params; none of its English message ("cookieId must be …").
    expect(await page.locator('#subjects-cookie-error').textContent()).toBe('Длина в символах: от 1 до 128.');
    await context.close();
    expect(problems).toEqual([]);
  }, 60_000);

  it('a key without SUBJECT_REQUEST does not see the screen, even at its path', async () => {
    const { context, page } = await open({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    await signIn(page, statsKey);
    expect(await page.locator('.shell nav a').allTextContents()).not.toContain('Subject requests');
    await page.goto(`${svc.url}/subjects`);
    // The path names a screen this key lacks: the shell opens the key's first screen instead.
    await expect.poll(() => page.locator('.shell nav a[aria-current=page]').textContent()).toBe('Overview');
    expect(await page.locator('#subjects-cookie').count()).toBe(0);
    expect(await page.locator('.shell nav a').allTextContents()).not.toContain('Legal hold');
    await page.screenshot({ path: path.join(SHOTS, 'subjects-not-for-stats-key.png') });
    // And the API refuses the purpose for this session: the screen is not the only guard.
    const refused = await page.evaluate(async (site) => {
      const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-calypso-purpose': 'SUBJECT_REQUEST' }, body: JSON.stringify({ query: `{ exportSubject(site: "${site}", cookieId: "x") { legalHold } }` }) });
      return ((await res.json()) as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code;
    }, SITE);
    expect(refused).toBe('PURPOSE_NOT_ALLOWED');
    await context.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
