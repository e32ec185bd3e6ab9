// /metrics as Prometheus's own linter reads it: `promtool check metrics` (Debian package prometheus)
// on a running service's output after traffic has touched every family.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteWithKey, startTestService, type TestService } from '../support/testService.ts';

const PROMTOOL = '/usr/bin/promtool';
const HAVE_PROMTOOL = spawnSync(PROMTOOL, ['--version']).status === 0;
const IN_CI = process.env.CI === 'true';

// CI must run this test: there a missing promtool is a failure, elsewhere a skip with a reason.
describe.skipIf(!HAVE_PROMTOOL && !IN_CI)(`/metrics${HAVE_PROMTOOL ? '' : ` (${PROMTOOL} is missing: apt-get install prometheus)`}`, () => {
  let svc: TestService;
  beforeAll(async () => {
    if (!HAVE_PROMTOOL) throw new Error(`${PROMTOOL} is missing: CI must install Debian's prometheus package (apt-get install -y prometheus)`);
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('passes promtool check metrics, names rows written per table, and has no doubled prefix', async () => {
    const key = await siteWithKey(svc, 'shop', ['STATISTICS', 'ADVERTISING']);
    await svc.collect({ events: [{ site: 'shop', url: 'https://shop.example/a', cid: 'm1' }, { site: 'shop', url: 'https://elsewhere.example/' }] });
    await fetch(`${svc.url}/consent`, { method: 'POST', body: JSON.stringify({ site: 'shop', cid: 'm1', consent: { statistics: true, personalization: false, advertising: true, thirdParty: false } }) });
    await svc.gql(key, 'STATISTICS', '{ stats(site: "shop", from: "2026-01-01", to: "2026-01-02") { totals { pageviews } } }');
    await fetch(`${svc.url}/v1/segments?site=shop&cookie=m1`, { headers: { authorization: `Bearer ${key}`, 'x-calypso-purpose': 'ADVERTISING' } });
    await svc.flush();
    const text = await (await fetch(`${svc.url}/metrics`)).text();

    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);

    expect(text).not.toMatch(/calypso_process_process_/);
    expect(text).toMatch(/^calypso_process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^calypso_rows_written_total\{table="events"\} 1$/m);
    expect(text).toMatch(/^calypso_rows_written_total\{table="audit_log"\} \d+$/m);
    expect(text).toMatch(/^calypso_log_lines_dropped_total 0$/m);
  });
});
