import { describe, expect, it } from 'vitest';
import { eventRowLine } from '../../src/collect/eventRowLine.ts';
import type { EventRow } from '../../src/privacy/toEventRow.ts';

const row = (over: Partial<EventRow & { visit_id: string }> = {}): EventRow & { visit_id?: string } => ({
  site: 'shop', ts: '2026-11-30 10:00:00.123', event_id: 'e-1', pid: '42', key_version: 1, visitor_hash: '0', type: 'pageview', name: '', host: 'shop.example', path: '/',
  referrer_source: '', referrer_host: '', utm_source: '', utm_medium: '', utm_campaign: '', utm_term: '', utm_content: '', browser: 'Firefox', os: 'Linux', device: 'desktop',
  screen: '', language: 'en', country: '', region: '', is_bot: 0, consent: 7, engagement_ms: 0, props: {}, retention_days: 30, visit_id: '0', ...over,
});

describe('event row lines', () => {
  it('writes what JSON.stringify would, less the fields at their column default', () => {
    const line = eventRowLine(row());
    expect(line.endsWith('}\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({ site: 'shop', ts: '2026-11-30 10:00:00.123', event_id: 'e-1', pid: '42', key_version: 1, visitor_hash: '0', type: 'pageview', host: 'shop.example', path: '/', browser: 'Firefox', os: 'Linux', device: 'desktop', language: 'en', consent: 7, retention_days: 30 });
  });

  it('keeps every field that is set, and the identity fields even at zero', () => {
    const full = row({ pid: '0', visitor_hash: '77', name: 'signup', utm_campaign: 'c', is_bot: 1, consent: 0, engagement_ms: 5, props: { plan: 'pro' }, visit_id: '123', path: '' });
    const parsed = JSON.parse(eventRowLine(full)) as Record<string, unknown>;
    expect(parsed).toMatchObject({ pid: '0', visitor_hash: '77', name: 'signup', utm_campaign: 'c', is_bot: 1, engagement_ms: 5, props: { plan: 'pro' }, visit_id: '123', path: '' });
    expect('consent' in parsed).toBe(false);
  });

  it('escapes text as JSON.stringify does (quotes, controls, lone surrogates)', () => {
    for (const path of ['/a"b', '/a\\b', '/a\nb', '/a\u0001', '/\ud800x', '/ok/ü/😀']) {
      const line = eventRowLine(row({ path }));
      expect(line.indexOf('\n')).toBe(line.length - 1);
      expect(line).toContain(`"path":${JSON.stringify(path)}`);
      expect((JSON.parse(line) as { path: string }).path).toBe(path);
    }
  });
});
