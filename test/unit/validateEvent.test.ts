import { describe, expect, it } from 'vitest';
import { EVENT_LIMITS, validateEvent } from '../../src/collect/validateEvent.ts';
import { InputError } from '../../src/errors/apiError.ts';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const MIN = { site: 'shop', url: 'https://shop.example/cart' };

/** The InputError for `patch` applied to the minimal event. */
function inputErrorOf(patch: Record<string, unknown>): InputError {
  try {
    validateEvent({ ...MIN, ...patch }, NOW);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error(`accepted ${JSON.stringify(patch)}`);
}

describe('validateEvent: accepted events', () => {
  it('accepts the minimal event and fills the defaults', () => {
    const e = validateEvent(MIN, NOW);
    expect(e.site).toBe('shop');
    expect(e.type).toBe('pageview');
    expect(e.ts).toBe(NOW);
    expect(e.url).toBeInstanceOf(URL);
    expect(e.url.href).toBe('https://shop.example/cart');
    expect(e).toMatchObject({ referrer: undefined, cid: undefined, eid: undefined, name: '', screen: '', lang: '', props: {} });
  });

  it('keeps every valid optional field', () => {
    const ts = NOW - 60_000;
    const e = validateEvent(
      {
        ...MIN,
        type: 'event',
        name: 'add_to_cart',
        ts,
        referrer: 'https://search.example/?q=x',
        cid: 'c-123',
        eid: 'e-456',
        screen: '1920x1080',
        lang: 'ru-RU',
        props: { sku: 'A1', qty: 2, gift: false },
      },
      NOW,
    );
    expect(e).toMatchObject({ type: 'event', name: 'add_to_cart', ts, referrer: 'https://search.example/?q=x', cid: 'c-123', eid: 'e-456', screen: '1920x1080', lang: 'ru-RU' });
    expect(e.props).toEqual({ sku: 'A1', qty: '2', gift: 'false' });
  });

  it('accepts ts exactly at both edges of the window', () => {
    expect(validateEvent({ ...MIN, ts: NOW - EVENT_LIMITS.maxAgeMs }, NOW).ts).toBe(NOW - EVENT_LIMITS.maxAgeMs);
    expect(validateEvent({ ...MIN, ts: NOW + EVENT_LIMITS.maxFutureMs }, NOW).ts).toBe(NOW + EVENT_LIMITS.maxFutureMs);
  });

  it('accepts exactly 20 props and a 200-character value', () => {
    const props = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'.repeat(200)]));
    expect(Object.keys(validateEvent({ ...MIN, props }, NOW).props)).toHaveLength(20);
  });

  it('treats null and empty strings of optional fields as absent', () => {
    const e = validateEvent({ ...MIN, cid: '', referrer: null, screen: '', props: null }, NOW);
    expect(e.cid).toBeUndefined();
    expect(e.referrer).toBeUndefined();
    expect(e.props).toEqual({});
  });
});

describe('validateEvent: refusals name the field', () => {
  it.each([null, 'text', 42, [MIN]])('refuses a non-object body %j', (body) => {
    expect(() => validateEvent(body, NOW)).toThrow(new InputError('event', 'event must be a JSON object'));
  });

  it.each([
    ['site missing', { site: undefined }, /^site is required$/],
    ['site empty', { site: '' }, /^site is required$/],
    ['site not a string', { site: 7 }, /^site must be a string$/],
    ['site too long', { site: 's'.repeat(65) }, /^site must be at most 64 characters$/],
    ['url missing', { url: undefined }, /^url is required$/],
    ['url relative', { url: '/cart' }, /^url must be an absolute http\(s\) URL$/],
    ['url ftp', { url: 'ftp://shop.example/file' }, /^url must be an absolute http\(s\) URL$/],
    ['url javascript', { url: 'javascript:alert(1)' }, /^url must be an absolute http\(s\) URL$/],
    ['url too long', { url: `https://shop.example/${'a'.repeat(2048)}` }, /^url must be at most 2048 characters$/],
    ['ts too old', { ts: NOW - EVENT_LIMITS.maxAgeMs - 1 }, /^ts must be at most 72 hours old$/],
    ['ts ahead', { ts: NOW + EVENT_LIMITS.maxFutureMs + 1 }, /^ts must be at most 5 minutes ahead/],
    ['ts fractional', { ts: NOW + 0.5 }, /^ts must be an integer timestamp in milliseconds$/],
    ['ts a string', { ts: String(NOW) }, /^ts must be an integer/],
    ['ts NaN', { ts: Number.NaN }, /^ts must be an integer/],
    ['type unknown', { type: 'click' }, /^type must be one of "pageview", "event", "engagement"$/],
    ['type not a string', { type: 1 }, /^type must be one of/],
    ['name missing for an event', { type: 'event' }, /^name is required$/],
    ['name too long', { type: 'event', name: 'n'.repeat(101) }, /^name must be at most 100 characters$/],
    ['screen format', { screen: '1920*1080' }, /^screen must look like "1920x1080"$/],
    ['screen too long', { screen: '123456x123456' }, /^screen must be at most 11 characters$/],
    ['lang format', { lang: 'russian language' }, /^lang must be a language tag/],
    ['lang digits', { lang: 'r1' }, /^lang must be a language tag/],
    ['props an array', { props: ['a'] }, /^props must be an object/],
    ['props a string', { props: 'a=1' }, /^props must be an object/],
    ['props over 20 keys', { props: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 1])) }, /^props must have at most 20 keys$/],
    ['prop key too long', { props: { ['k'.repeat(51)]: 1 } }, /^props key "k{51}" must be 1–50 characters$/],
    ['prop key empty', { props: { '': 1 } }, /^props key "" must be/],
    ['prop value too long', { props: { note: 'x'.repeat(201) } }, /^props\.note must be at most 200 characters$/],
    ['prop of object type', { props: { cart: { items: 2 } } }, /^props\.cart must be a string, number or boolean$/],
    ['prop null', { props: { cart: null } }, /^props\.cart must be a string, number or boolean$/],
    ['cid too long', { cid: 'c'.repeat(129) }, /^cid must be at most 128 characters$/],
    ['cid not a string', { cid: 12 }, /^cid must be a string$/],
    ['eid too long', { eid: 'e'.repeat(129) }, /^eid must be at most 128 characters$/],
    ['referrer not a string', { referrer: {} }, /^referrer must be a string$/],
  ])('%s', (what, patch, message) => {
    const err = inputErrorOf(patch);
    expect(err.message).toMatch(message);
    // The field is data, a bounded name: the event's top-level field at fault.
    const word = what.split(' ')[0];
    expect(err.field).toBe(word === 'prop' ? 'props' : word);
    expect(err.code).toBe('BAD_USER_INPUT');
  });

  it('names the consent flag at fault in the field', () => {
    expect(inputErrorOf({ consent: { statistics: 'yes' } })).toMatchObject({ field: 'consent.statistics', message: 'consent.statistics must be true or false' });
    expect(inputErrorOf({ consent: { ads: true } })).toMatchObject({ field: 'consent', message: expect.stringMatching(/^consent: "ads" is not a consent flag/) });
  });

  // NOTE: JSON carries lone UTF-16 surrogates ("\ud800"), which ClickHouse refuses once the row is spooled.
  it.each([
    ['site', { site: 'shop\ud800' }],
    ['url', { url: 'https://shop.example/\ud800' }],
    ['name', { type: 'event', name: 'a\udfffb' }],
    ['referrer', { referrer: 'https://ya.ru/\ud800' }],
    ['cid', { cid: '\ud800' }],
    ['eid', { eid: 'e\ud800' }],
    ['props', { props: { k: 'v\ud800' } }],
    ['props', { props: { 'k\ud800': 'v' } }],
    ['ip', { ip: '1.2.3.4\ud800' }],
    ['ua', { ua: 'Mozilla\ud800' }],
  ])('refuses a lone surrogate in %s, naming it', (field, patch) => {
    const err = inputErrorOf(patch);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(/must be well-formed Unicode/);
    expect(err.message.isWellFormed()).toBe(true);
  });

  it('keeps well-formed astral text (a surrogate pair is not lone)', () => {
    expect(validateEvent({ ...MIN, type: 'event', name: 'a\u{1f600}b', props: { '\u{1f4a9}': '\u{10ffff}' } }, NOW)).toMatchObject({ name: 'a\u{1f600}b', props: { '\u{1f4a9}': '\u{10ffff}' } });
  });

  it('a name is optional for other types', () => {
    expect(validateEvent({ ...MIN, type: 'engagement' }, NOW).name).toBe('');
  });
});
