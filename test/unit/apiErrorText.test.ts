// The API's error rules worded by the dashboard: every rule (and format) the server can name has a
// template in both languages, the validators' own params fill them, and a Russian page reads no English.
// No DOM, no I/O.
import { describe, expect, it } from 'vitest';
import { parseConsent } from '../../src/consent/consentFlags.ts';
import { ApiError, ERROR_FORMATS, ERROR_RULES } from '../../src/errors/apiError.ts';
import { parseSegmentRule } from '../../src/segments/segmentRule.ts';
import { validateSiteInput, type SiteInput } from '../../src/sites/siteInput.ts';
import { parseStatsRange } from '../../src/stats/statsRange.ts';
import { ApiFailure } from '../../web/api.ts';
import { makeI18n } from '../../web/i18n.ts';
import { apiErrorsEn, apiErrorsRu } from '../../web/messages/apiErrors.ts';
import { apiErrorText } from '../../web/ui/apiErrorText.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const SITE: SiteInput = { id: 'shop', name: 'Shop', hostnames: ['shop.example'], timezone: 'Europe/Moscow', kAnonymity: 10, retentionDays: 90 };

/** What the dashboard receives for a thrown ApiError: its mapping through GraphQL or REST. */
function received(err: ApiError): ApiFailure {
  return new ApiFailure(err.message, err.code, err.status, err.field, err.rule === undefined ? undefined : { rule: err.rule, params: err.params ?? {} });
}

function thrown(fn: () => unknown): ApiFailure {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return received(err);
    throw err;
  }
  throw new Error('did not throw');
}

const failure = (rule: string, params: Record<string, string | number | readonly string[]>, field?: string) =>
  new ApiFailure('an English message from the server', 'BAD_USER_INPUT', 400, field, { rule, params });

// Every rule the server names, from its validators where they are pure, else as the resolvers send it.
const SAMPLES: ApiFailure[] = [
  thrown(() => validateSiteInput({ ...SITE, id: 'Bad Id' })),
  thrown(() => validateSiteInput({ ...SITE, name: ' ' })),
  thrown(() => validateSiteInput({ ...SITE, hostnames: [] })),
  thrown(() => validateSiteInput({ ...SITE, hostnames: ['shop.example', 'http://x/'] })),
  thrown(() => validateSiteInput({ ...SITE, timezone: 'Mars/Base' })),
  thrown(() => validateSiteInput({ ...SITE, kAnonymity: 1 })),
  thrown(() => validateSiteInput({ ...SITE, retentionDays: 0 })),
  thrown(() => parseConsent({ ads: true })),
  thrown(() => parseConsent({ advertising: 'yes' })),
  thrown(() => parseConsent([])),
  thrown(() => parseStatsRange('2026-02-30', '2026-03-01', 90)),
  thrown(() => parseStatsRange('0001-01-01', '2026-03-01', 90)),
  thrown(() => parseStatsRange('2026-03-01', '2026-03-01T10:00:00Z', 90)),
  thrown(() => parseStatsRange('2026-03-02', '2026-03-01', 90)),
  thrown(() => parseStatsRange('2026-01-01', '2026-12-31', 90)),
  ...[
    { all: [] },
    { visited: { path: { prefix: 'x' } } },
    { visited: { path: { prefix: '/a', equals: '/b' } } },
    { visited: { path: { prefix: '/a' }, withinDays: 400 } },
    { visited: { path: { prefix: '/a' }, atLeast: 0 } },
    { visited: { path: { prefix: '' } } },
    { visits: {} },
    { attribute: { dimension: 'TIME', in: ['x'] } },
    { wat: {} },
    {},
    'text',
    { visited: { path: { prefix: '/a' }, colour: 'red' } },
    { not: { not: { not: { visits: { atLeast: 1 } } } } },
  ].map((rule) => thrown(() => parseSegmentRule(rule, { maxWindowDays: 90, maxDepth: 3 }))),
  failure('items', { max: 50, got: 51 }, 'cookieIds'),
  failure('items', { min: 1, max: 1 }, 'filter[0]'),
  failure('required', {}, 'purposes'),
  failure('notFound', { kind: 'site', id: 'nope' }, 'sites[0]'),
  failure('notFound', { kind: 'segment', id: 'seg_1' }),
  failure('duplicate', { kind: 'site', id: 'shop' }, 'id'),
  failure('sameSite', {}, 'b'),
  failure('notReady', {}),
  failure('bootstrapKey', {}),
  failure('siteBound', {}),
  failure('format', { format: 'printable', min: 1, max: 200 }, 'recipient'),
  failure('length', { max: 256 }, 'filter[0]'),
  failure('range', { min: 0, max: 100_000 }, 'offset'),
];

describe('API error rules in the dashboard', () => {
  it('has every template in both languages, with the same placeholders', () => {
    expect(Object.keys(apiErrorsRu).sort()).toEqual(Object.keys(apiErrorsEn).sort());
    for (const [key, en] of Object.entries(apiErrorsEn)) expect(placeholders(apiErrorsRu[key as keyof typeof apiErrorsEn]), key).toEqual(placeholders(en));
  });

  it('words every rule and format the server names, in Russian without English and in English', () => {
    expect(new Set(SAMPLES.map((f) => f.rule?.rule))).toEqual(new Set(ERROR_RULES));
    expect(new Set(SAMPLES.filter((f) => f.rule?.rule === 'format').map((f) => f.rule?.params.format))).toEqual(new Set(ERROR_FORMATS));
    const ru = makeI18n('ru');
    const en = makeI18n('en');
    for (const f of SAMPLES) {
      const what = `${f.rule?.rule} ${JSON.stringify(f.rule?.params)}`;
      for (const text of [apiErrorText(ru, f, { atField: true }), apiErrorText(en, f, { atField: true })]) {
        expect(text, what).not.toMatch(/[{}]|apiRule\./);
        expect(text, what).not.toContain(f.message);
      }
      // Russian: no English word of three letters or more outside quoted input, ids and API names.
      const russian = apiErrorText(ru, f, { atField: true }).replace(/«[^»]*»/g, '').replace(/CALYPSO_ADMIN_KEY|Europe\/Moscow|shop\.example|IANA/g, '');
      const allowed = new Set(Object.values(f.rule?.params ?? {}).flat().map(String));
      const english = (russian.match(/[A-Za-z][A-Za-z_]{2,}/g) ?? []).filter((w) => !allowed.has(w));
      expect(english, `${what}: ${russian}`).toEqual([]);
    }
  });

  it('formats numbers in the locale and puts the field\'s label first when the screen knows it', () => {
    const k = thrown(() => validateSiteInput({ ...SITE, kAnonymity: 1 }));
    expect(apiErrorText(makeI18n('ru'), k, { labels: { kAnonymity: 'Порог k' } })).toBe('Порог k: нужно целое число от 2 до 10\u00a0000.');
    expect(apiErrorText(makeI18n('en'), k, { labels: { kAnonymity: 'Threshold k' } })).toBe('Threshold k: must be a whole number from 2 to 10,000.');
    expect(apiErrorText(makeI18n('en'), k, { atField: true })).toBe('Must be a whole number from 2 to 10,000.');
    const host = thrown(() => validateSiteInput({ ...SITE, hostnames: ['shop.example', 'http://x/'] }));
    expect(apiErrorText(makeI18n('ru'), host, { labels: { hostnames: 'Имена хостов' } })).toBe('Имена хостов, № 2: «http://x/» — не имя хоста: укажите его без схемы и пути, например shop.example.');
    // No label known: the API's field name stays, as an identifier.
    expect(apiErrorText(makeI18n('ru'), host)).toMatch(/^hostnames\[1\]: «http:\/\/x\/»/);
  });

  it('falls back to the code in words and the server\'s message for an error with no rule, or a rule it does not know', () => {
    const en = makeI18n('en');
    expect(apiErrorText(en, new ApiFailure('site "x" does not exist', 'NOT_FOUND', 404))).toBe('Not found: site "x" does not exist');
    expect(apiErrorText(en, new ApiFailure('a newer rule', 'BAD_USER_INPUT', 400, 'x', { rule: 'fromTheFuture', params: {} }))).toBe('a newer rule');
    expect(apiErrorText(en, new Error('offline'))).toBe('Something went wrong: offline');
  });
});
