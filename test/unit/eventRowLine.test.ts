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

  it('keeps a text "0" (an event named 0, a UTM value 0): only an empty text is a zero', () => {
    const parsed = JSON.parse(eventRowLine(row({ type: 'event', name: '0', utm_source: '0', country: '0', visit_id: '0' })));
    expect(parsed).toMatchObject({ name: '0', utm_source: '0', country: '0' });
    expect(parsed).not.toHaveProperty('visit_id');
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

// The line as the walk over the row's keys wrote it before the field-by-field writer: the same bytes.
const ZERO_DEFAULT = new Set(['key_version', 'name', 'referrer_source', 'referrer_host', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'browser', 'os', 'device', 'screen', 'language', 'country', 'region', 'is_bot', 'consent', 'engagement_ms', 'visit_id']);
const PLAIN = new Set(['ts', 'pid', 'visitor_hash', 'type', 'visit_id']);
function walkedLine(row: EventRow & { visit_id?: string }): string {
  let out = '';
  for (const [k, v] of Object.entries(row) as Array<[string, unknown]>) {
    if (v === undefined || ((v === '' || v === 0 || (v === '0' && k === 'visit_id')) && ZERO_DEFAULT.has(k))) continue;
    let text: string;
    if (typeof v === 'string') text = PLAIN.has(k) ? `"${v}"` : JSON.stringify(v);
    else if (typeof v === 'number') text = String(v);
    else {
      if (Object.keys(v as object).length === 0) continue;
      text = JSON.stringify(v);
    }
    out += `${out === '' ? '{' : ','}"${k}":${text}`;
  }
  return `${out}}\n`;
}

describe('event row lines, field by field', () => {
  it('writes the same bytes as the walk over the row, whichever fields are at zero', () => {
    const texts = ['', '0', 'x', 'a"b\\c', 'ü😀', '\u0001', '00'];
    const nums = [0, 1, 7, 86_400_000];
    let seed = 1;
    const pick = <T>(a: readonly T[]): T => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return a[seed % a.length]!;
    };
    for (let i = 0; i < 500; i++) {
      const r = row({
        site: pick(['shop', 's"x']), event_id: pick(['e-1', 'e\\2']), pid: pick(['0', '42']), key_version: pick([0, 1]), visitor_hash: pick(['0', '77']),
        type: pick(['pageview', 'event', 'engagement'] as const), name: pick(texts), host: pick(['shop.example', '']), path: pick(['/', '', '/a"b', '/ü']),
        referrer_source: pick(texts), referrer_host: pick(texts), utm_source: pick(texts), utm_medium: pick(texts), utm_campaign: pick(texts), utm_term: pick(texts),
        utm_content: pick(texts), browser: pick(texts), os: pick(texts), device: pick(texts), screen: pick(texts), language: pick(texts), country: pick(texts),
        region: pick(texts), is_bot: pick([0, 1]), consent: pick(nums), engagement_ms: pick(nums), props: pick<Record<string, string>>([{}, { plan: 'pro' }, { '1': 'a', b: 'c"' }]),
        retention_days: pick([0, 30, 395]),
      });
      const withVisit = pick([true, false]) ? { ...r, visit_id: pick(['0', '', '123']) } : (({ visit_id: _, ...rest }) => rest)(r);
      expect(eventRowLine(withVisit)).toBe(walkedLine(withVisit));
    }
  });
});
