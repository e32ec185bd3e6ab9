// The README's picture: the overview of `calypso demo`'s traffic (the same generator, a fixed seed), signed
// in with a STATISTICS key, saved to docs/overview.png. A tracked file, so it is written only when asked:
//   CALYPSO_SCREENSHOTS=1 npx vitest run test/browser/screenshot.test.ts
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signIn } from '../support/browser.ts';
import { demoEvents } from '../../src/cli/demoTraffic.ts';
import { DEFAULT_DIST_DIR } from '../../src/dashboard/startDashboard.ts';
import { startTestService, type TestService } from '../support/testService.ts';

const CHROMIUM = '/usr/bin/chromium';
const WANTED = process.env.CALYPSO_SCREENSHOTS === '1';
const OUT = path.resolve(import.meta.dirname, '../../docs/overview.png');
const SITE = 'demo';

describe.skipIf(!WANTED)('the README screenshot (CALYPSO_SCREENSHOTS=1 writes docs/overview.png)', () => {
  let svc: TestService;
  let browser: Browser | undefined;
  let key: string;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    if (!fs.existsSync(path.join(DEFAULT_DIST_DIR, 'index.html'))) {
      execFileSync(process.execPath, [path.resolve(import.meta.dirname, '../../scripts/buildDashboard.ts')], { stdio: 'inherit' });
    }
    svc = await startTestService();
    const host = `${SITE}.calypso.example`;
    const made = await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { createSite(id: "${SITE}", name: "Demo shop", hostnames: ["${host}"], timezone: "Europe/Moscow") { id } }`);
    expect(made.errors).toBeUndefined();
    const lines = [...demoEvents({ site: SITE, host, visitors: 3000, days: 60, seed: 7 })].map((e) => JSON.stringify(e));
    for (let i = 0; i < lines.length; i += 1000) {
      const res = await fetch(`${svc.url}/v1/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${svc.adminKey}`, 'x-calypso-purpose': 'ADMINISTRATION' },
        body: lines.slice(i, i + 1000).join('\n'),
      });
      expect(res.status).toBe(202);
    }
    await svc.flush();
    const k = await svc.gql<{ createApiKey: { secret: string } }>(svc.adminKey, 'ADMINISTRATION', `mutation { createApiKey(name: "marketing", purposes: [STATISTICS], sites: ["${SITE}"]) { secret } }`);
    key = k.data!.createApiKey.secret;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('saves the overview of the demo traffic at 1440 px', async () => {
    const page = await browser!.newPage({ viewport: { width: 1440, height: 1000 }, locale: 'en-US' });
    await signIn(page, svc.url, key);
    await page.locator('section.overview[data-ready="true"]').waitFor();
    await page.locator('.ov-chart-box canvas').first().waitFor();
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    await page.screenshot({ path: OUT });
    expect(fs.statSync(OUT).size).toBeLessThan(400_000);
  });
});
