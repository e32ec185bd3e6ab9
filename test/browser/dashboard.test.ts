// The dashboard in a real browser (Debian's Chromium driven by playwright-core): open /, sign in with the
// admin key through the form, see the Administration screen's entry, sign out; no console errors and no
// CSP violations on the way.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDashboardBuilt, launchChromium, MISSING_NOTE, requireChromium, signIn, SKIP_BROWSER } from '../support/browser.ts';
import { siteWithKey, startTestService, type TestService } from '../support/testService.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(ROOT, 'test-results');

// CI must run this test: there a missing browser is a failure, elsewhere a skip with a reason.
describe.skipIf(SKIP_BROWSER)(`the dashboard in Chromium${MISSING_NOTE}`, () => {
  let svc: TestService;
  let browser: Browser | undefined;
  let page: Page;
  /** Console errors (a CSP violation is one), uncaught errors and failed requests, as they happen. */
  const problems: string[] = [];

  beforeAll(async () => {
    requireChromium();
    ensureDashboardBuilt();
    fs.mkdirSync(SHOTS, { recursive: true });
    svc = await startTestService();
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('signs in with the admin key, shows the Administration entry, signs out; no console errors or CSP violations', async () => {
    const first = await page.goto(`${svc.url}/`);
    expect(first?.status()).toBe(200);
    expect(first?.headers()['content-security-policy']).toContain("default-src 'self'");
    const key = page.getByLabel('API key');
    await key.waitFor();
    await key.fill(svc.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const admin = page.getByRole('link', { name: 'Administration' });
    await admin.waitFor();
    // The secret is nowhere in the page or its storage, only the HttpOnly cookie is.
    expect(await page.content()).not.toContain(svc.adminKey);
    expect(await page.evaluate<string>('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie')).not.toContain(svc.adminKey);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'calypso_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-signed-in.png') });

    // A reload keeps the session (GET /session).
    await page.reload();
    await page.getByRole('link', { name: 'Administration' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-signed-out.png') });
    expect((await page.context().cookies()).find((c) => c.name === 'calypso_session')).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it("sign-in hint: set at sign-in (readable, nothing secret); the overview's sites go beside GET /session; cleared at sign-out, after which /overview sends no GraphQL request", async () => {
    const secret = await siteWithKey(svc, 'hinted', ['STATISTICS']);
    const ctx = await browser!.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    const seen: string[] = [];
    const errors: string[] = [];
    try {
      const p = await ctx.newPage();
      p.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
      p.on('request', (r) => {
        if (r.url().endsWith('/graphql')) seen.push(`graphql ${/query (\w+)/.exec(r.postData() ?? '')?.[1] ?? 'other'}`);
        if (r.url().endsWith('/session')) seen.push(`${r.method()} /session`);
      });
      p.on('response', (r) => void (r.url().endsWith('/session') && seen.push(`answered ${r.request().method()} /session`)));
      // Signed out: the overview's address shows the sign-in page and sends no GraphQL request.
      await p.goto(`${svc.url}/overview`);
      await p.getByLabel('API key').waitFor();
      expect(seen.filter((x) => x.startsWith('graphql'))).toEqual([]);
      expect((await ctx.cookies()).map((c) => c.name)).toEqual([]);

      await signIn(p, svc.url, secret);
      await p.locator('section.overview[data-ready="true"]').waitFor();
      const cookies = await ctx.cookies();
      const session = cookies.find((c) => c.name === 'calypso_session')!;
      const hint = cookies.find((c) => c.name === 'calypso_hint')!;
      expect(hint).toMatchObject({ httpOnly: false, sameSite: 'Strict', path: '/', expires: -1 });
      expect(hint.value).toMatch(/^\d+:STATISTICS$/);
      expect(hint.value).not.toContain(secret);
      expect(hint.value).not.toContain(session.value);
      expect(await p.evaluate(() => document.cookie)).toBe(`calypso_hint=${hint.value}`);

      // A load of the overview: its sites request goes before the session's answer, its numbers after the sites'.
      seen.length = 0;
      await p.reload();
      await p.locator('section.overview[data-ready="true"]').waitFor();
      expect(seen.indexOf('graphql OverviewSites')).toBeGreaterThan(-1);
      expect(seen.indexOf('graphql OverviewSites')).toBeLessThan(seen.indexOf('answered GET /session'));
      expect(seen.filter((x) => x === 'graphql OverviewSites')).toHaveLength(1);

      await p.getByRole('button', { name: 'Sign out' }).click();
      await p.getByLabel('API key').waitFor();
      expect((await ctx.cookies()).map((c) => c.name)).toEqual([]);
      seen.length = 0;
      await p.goto(`${svc.url}/overview`);
      await p.getByLabel('API key').waitFor();
      expect(seen).toEqual(['GET /session', 'answered GET /session']);
      expect(errors).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('says why a sign-in was refused in the chosen language, not in the server\'s English', async () => {
    const ru = await browser!.newContext({ viewport: { width: 375, height: 700 }, locale: 'ru-RU' });
    try {
      const p = await ru.newPage();
      await p.goto(`${svc.url}/`);
      const key = p.getByLabel('API-ключ');
      await key.fill('not-a-key');
      await p.getByRole('button', { name: 'Войти' }).click();
      await p.getByRole('alert').getByText('Такого API-ключа нет.').waitFor();
      expect(await p.content()).not.toContain('not valid');
    } finally {
      await ru.close();
    }
  });

  it('ends the session on the screen when its key is revoked, saying why; the sign-in page switches language', async () => {
    const made = await svc.gql<{ createApiKey: { id: string; secret: string } }>(svc.adminKey, 'ADMINISTRATION', 'mutation { createApiKey(name: "soon gone", purposes: [ADMINISTRATION], allSites: true) { id secret } }');
    const { id, secret } = made.data!.createApiKey;
    const ctx = await browser!.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    try {
      const p = await ctx.newPage();
      await signIn(p, svc.url, secret);
      await p.getByRole('heading', { name: 'Administration', level: 1 }).waitFor();
      // The screen's first calls answered (else one of them would find the session gone first).
      await p.getByRole('button', { name: 'New site' }).waitFor();
      expect((await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { revokeApiKey(id: "${id}") }`)).errors).toBeUndefined();
      // The next call the screen makes finds the session gone (the revoking instance ended it: 401
      // UNAUTHENTICATED; another instance answers KEY_REVOKED): the sign-in page, and why.
      await p.getByRole('link', { name: 'API keys' }).click();
      await p.getByRole('status').getByText('Your session ended: its API key was revoked, it was signed out elsewhere').waitFor();
      await p.getByLabel('API key').waitFor();
      await p.getByRole('button', { name: 'Язык: русский' }).click();
      await p.getByRole('heading', { name: 'Вход' }).waitFor();
      await p.getByText('Сеанс завершён: его API-ключ отозван, из него вышли в другом окне').waitFor();
    } finally {
      await ctx.close();
    }
  });

  it('another origin on the same site gets nothing with the cookie: a form post, a fetch with the purpose header, a no-cors fetch', async () => {
    // Signed in in the dashboard's tab; the other origin (another port of the same host: the same
    // site, so SameSite=Strict lets the cookie go) tries to make itself a key.
    await signIn(page, svc.url, svc.adminKey);
    await page.getByRole('link', { name: 'Administration' }).waitFor();
    const mutation = JSON.stringify({ query: 'mutation { createApiKey(name: "evil", purposes: [ADMINISTRATION], sites: []) { secret } }' });
    const evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>evil</title>
<form id="f" method="post" action="${svc.url}/graphql" enctype="text/plain"><input type="hidden" name='${mutation.slice(0, -2)}' value='"}'></form>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    try {
      const other = await page.context().newPage();
      await other.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      const withHeader = await other.evaluate<string>(`fetch(${JSON.stringify(`${svc.url}/graphql`)}, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json', 'x-calypso-purpose': 'ADMINISTRATION' }, body: ${JSON.stringify(mutation)} }).then((r) => 'answered ' + r.status, (e) => 'failed: ' + e.name)`);
      expect(withHeader).toBe('failed: TypeError'); // the preflight is never granted
      await other.evaluate(`fetch(${JSON.stringify(`${svc.url}/graphql`)}, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(mutation)} }).catch(() => undefined)`);
      await Promise.all([other.waitForNavigation(), other.evaluate(`document.getElementById('f').submit()`)]);
      await other.close();
    } finally {
      await new Promise((resolve) => evil.close(resolve));
    }
    const keys = await svc.gql<{ apiKeys: Array<{ name: string }> }>(svc.adminKey, 'ADMINISTRATION', '{ apiKeys { name } }');
    expect(keys.data?.apiKeys.map((k) => k.name)).not.toContain('evil');
  });
});
