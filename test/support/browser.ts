// What the browser tests share: Debian's Chromium (a skip with a reason where it is missing, a failure
// under CI=true), the built dashboard, and one headless launch with the same flags everywhere.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
export const IN_CI = process.env.CI === 'true';
/** A describe block runs where Chromium is, and always under CI (where its absence fails). */
export const SKIP_BROWSER = !HAVE_CHROMIUM && !IN_CI;
/** Appended to a describe title: why it is skipped. */
export const MISSING_NOTE = HAVE_CHROMIUM ? '' : ` (${CHROMIUM} is missing: apt-get install chromium)`;

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Throws under CI when Chromium is missing (a skipped describe never gets here elsewhere). */
export function requireChromium(): void {
  if (!HAVE_CHROMIUM) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium package (apt-get install -y chromium)`);
}

/** Builds web/dist once when it is missing (a fresh checkout). */
export function ensureDashboardBuilt(stdio: 'ignore' | 'inherit' = 'ignore'): void {
  if (!fs.existsSync(path.join(ROOT, 'web', 'dist', 'index.html'))) execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'buildDashboard.ts')], { cwd: ROOT, stdio });
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Opens the dashboard and signs in with `key` on its sign-in form (what the page shows next is the caller's to wait for). */
export async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Signed in, the page replaces / by the key's first screen: a click before that could be undone by it.
  await page.waitForURL((u) => u.pathname !== '/');
}
