// Deterministic hostile traffic for the collector (test/integration/collectFuzz.test.ts): a seeded
// PRNG and generators of malformed requests for POST /collect, GET /collect.gif and POST /consent,
// each with the statuses it may get and, per event, whether the collector must accept or refuse it.

import { mulberry32 } from '../../src/cli/mulberry32.ts';

export { mulberry32 };

export class Rng {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }
  float(): number {
    return this.#next();
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[Math.floor(this.#next() * items.length)] as T;
  }
  /** `length` characters (UTF-16 code units when the alphabet is BMP only) drawn from `alphabet`. */
  string(length: number, alphabet: string = ALNUM): string {
    const chars = [...alphabet];
    let s = '';
    while (s.length < length) {
      const c = chars[Math.floor(this.#next() * chars.length)] ?? 'a';
      // Never split an astral character: a lone surrogate is its own kind of hostility.
      s += s.length + c.length > length ? 'a' : c;
    }
    return s;
  }
  bytes(length: number): Buffer {
    const b = Buffer.alloc(length);
    for (let i = 0; i < length; i++) b[i] = Math.floor(this.#next() * 256);
    return b;
  }
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** Well-formed but unfriendly text: Cyrillic, CJK, RTL, combining marks, zero-width, quotes, NUL, astral. */
const WILD = 'aZ9 -_./\\"\'<>&%{}[]:;,\u0000\u0001\u001f\u007f\u00e9\u0439\u0416\u4e2d\u05d0\u0627\u0301\u200b\u200d\u202e\ufeff\ufffd\u{1f600}\u{1f4a9}\u{10ffff}';

/** What the collector must do with one event: accept it, refuse it, or either (the server's call). */
export type Verdict = 'ok' | 'bad' | 'any';

export interface FuzzEvent {
  readonly verdict: Verdict;
  /** The event_id the row gets when accepted, when it is known exactly (undefined: a random UUID, or not well-formed). */
  readonly eid: string | undefined;
  /** What was done to it, for failure messages. */
  readonly note: string;
}

export type FuzzRoute = 'collect' | 'pixel' | 'consent';

export interface FuzzRequest {
  readonly id: number;
  /** The family of hostility, for the report. */
  readonly label: string;
  readonly route: FuzzRoute;
  readonly method: 'GET' | 'POST';
  /** Path and query. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Sent with a content-length, or chunked when `chunked`. */
  readonly body?: Buffer;
  readonly chunked?: boolean;
  /** Written as-is on a fresh socket instead (lying content-length, broken framing). */
  readonly raw?: Buffer;
  /** The statuses it may get (never a 5xx). */
  readonly statuses: readonly number[];
  /** The events the collector will see, in order, when it gets past the body checks. */
  readonly events?: readonly FuzzEvent[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** Sets an own enumerable property, even "__proto__" (a plain assignment would set the prototype). */
function setOwn(o: Obj, k: string, v: Json): Obj {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

function obj(entries: ReadonlyArray<readonly [string, Json]>): Obj {
  const o: Obj = {};
  for (const [k, v] of entries) setOwn(o, k, v);
  return o;
}

/** Literal JSON tokens JSON.stringify cannot produce (1e400 → Infinity when parsed). */
const RAW = '\u0000raw:';
const raw = (token: string): string => `${RAW}${token}`;
function toJson(v: unknown): string {
  return JSON.stringify(v).replace(/"\\u0000raw:([^"]*)"/g, '$1');
}

function deepArray(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}
function deepObject(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const HOUR = 3_600_000;

export interface GenerateOptions {
  seed: number;
  /** The server clock, near enough (ts limits are checked with wide margins). */
  now: number;
  /** The collector's body limit. */
  maxBodyBytes: number;
  maxEvents: number;
}

/** Builds the requests; their count is about `total`, and deterministic for a seed. */
export function generateFuzzRequests(total: number, opts: GenerateOptions): FuzzRequest[] {
  const rng = new Rng(opts.seed);
  const { now, maxBodyBytes, maxEvents } = opts;
  const out: FuzzRequest[] = [];
  let seq = 0;
  const nextEid = (verdict: Verdict) => `fz-${verdict}-${++seq}`;

  // ---- events -------------------------------------------------------------------------------

  /** A valid event with a random selection of valid optional fields. */
  const goodEvent = (eid: string): Obj => {
    const e: Obj = { site: 'shop', url: rng.pick(GOOD_URLS)(rng), eid };
    const type = rng.pick(['pageview', 'pageview', 'event', 'engagement', undefined]);
    if (type !== undefined) e.type = type;
    if (type === 'event' || rng.chance(0.2)) e.name = rng.string(rng.int(1, 100), rng.chance(0.5) ? ALNUM : WILD);
    if (rng.chance(0.4)) e.ts = now - rng.int(0, 48 * HOUR);
    if (rng.chance(0.3)) e.referrer = rng.pick(['https://yandex.ru/search/?text=shoes', 'https://www.google.com/', 'android-app://com.vk', rng.string(rng.int(1, 300), WILD)]);
    if (rng.chance(0.4)) e.cid = rng.string(rng.int(1, 128), rng.chance(0.7) ? ALNUM : WILD);
    if (rng.chance(0.3)) e.screen = `${rng.int(10, 99999)}x${rng.int(10, 99999)}`;
    if (rng.chance(0.3)) e.lang = rng.pick(['ru', 'ru-RU', 'en-US', 'zh-Hant-TW', 'kk-Cyrl-KZ', 'EN']);
    if (rng.chance(0.3)) {
      const props: Obj = {};
      const n = rng.int(0, 20);
      for (let i = 0; i < n; i++) {
        setOwn(props, `${rng.string(rng.int(1, 47), rng.chance(0.8) ? ALNUM : WILD)}${i}`, rng.pick<Json>([rng.string(rng.int(0, 200), WILD), rng.int(-1e9, 1e9), rng.chance(0.5), 1e21, -0.5]));
      }
      e.props = props;
    }
    if (rng.chance(0.2)) e.consent = rng.chance(0.2) ? null : obj(CONSENT_KEYS.filter(() => rng.chance(0.5)).map((k) => [k, rng.chance(0.5)]));
    return e;
  };

  /** One event with one hostile change; what the collector must then do with it. */
  const hostileEvent = (maxChars = Infinity): { json: string; event: FuzzEvent } => {
    for (;;) {
      const h = hostileEventOnce();
      if (h.json.length <= maxChars) return h;
    }
  };
  const hostileEventOnce = (): { json: string; event: FuzzEvent } => {
    const m = rng.pick(MUTATIONS);
    const eid = nextEid(m.verdict);
    const e = goodEvent(eid);
    // A mutation of one field must not be masked by that field's good value, nor an 'event' need a name it lost.
    if (m.field !== undefined) delete e[m.field];
    if (m.field === 'name' || m.field === 'type') e.type = 'event';
    const changed = m.apply(e, rng, { now, eid });
    const value = changed === undefined ? e : changed.replace;
    const known = m.field === 'eid' ? (typeof e.eid === 'string' && isWellFormed(e.eid) ? e.eid : undefined) : eid;
    return { json: toJson(value), event: { verdict: m.verdict, eid: changed === undefined ? known : undefined, note: m.note } };
  };

  const good = (): { json: string; event: FuzzEvent } => {
    const eid = nextEid('ok');
    return { json: toJson(goodEvent(eid)), event: { verdict: 'ok', eid, note: 'a good event' } };
  };

  // ---- requests -----------------------------------------------------------------------------

  const pushed = (r: Omit<FuzzRequest, 'id' | 'headers' | 'method'> & { headers?: Record<string, string>; method?: 'GET' | 'POST' }) => {
    const hostile = hostileHeaders(rng);
    // POST /consent falls back to the _cid cookie; a random one would decide the answer.
    if (r.route === 'consent') delete hostile.cookie;
    const headers: Record<string, string> = { ...(r.route === 'pixel' ? {} : { 'content-type': 'application/json' }), ...hostile, ...r.headers };
    out.push({ ...r, id: out.length, method: r.method ?? (r.route === 'pixel' ? 'GET' : 'POST'), headers });
  };
  const collect = (label: string, body: string | Buffer, statuses: readonly number[], events?: readonly FuzzEvent[], headers?: Record<string, string>) =>
    pushed({ label, route: 'collect', path: '/collect', body: typeof body === 'string' ? Buffer.from(body) : body, statuses, events, headers });

  const families: Array<[weight: number, make: () => void]> = [
    // One hostile event as the whole body.
    [40, () => {
      const { json, event } = hostileEvent();
      collect(`event: ${event.note.split(':')[0]}`, json, [202], [event]);
    }],
    // A batch mixing good and hostile events: each must get its own answer.
    [14, () => {
      const parts = Array.from({ length: rng.int(1, 40) }, () => (rng.chance(0.3) ? good() : hostileEvent(20_000)));
      collect('batch: mixed good and hostile', `{"events":[${parts.map((p) => p.json).join(',')}]}`, [202], parts.map((p) => p.event));
    }],
    // `events` that is not an array.
    [3, () => {
      const v = rng.pick(['null', '1', '"events"', 'true', '{}', '{"0":{"site":"shop"},"length":1}', deepObject(50)]);
      collect('batch: events not an array', `{"events":${v}}`, [400]);
    }],
    // JSON that is valid but not an event or a batch: one refused event.
    [3, () => {
      const text = rng.pick(['1', '-0', '"shop"', 'null', 'true', 'false', '[]', '[{"site":"shop","url":"https://shop.example/"}]', '""', '1e400']);
      collect('body: JSON not an object', text, [202], [{ verdict: 'bad', eid: undefined, note: `body ${text.slice(0, 30)}` }]);
    }],
    // Invalid JSON: always ends in a bare control character, so never valid by chance.
    [5, () => {
      const text = rng.pick([
        '{', '{"site":', '{"site":"shop",}', "{'site':'shop'}", 'undefined', 'NaN', '[1,]', '{}x', '{"a":1}{"b":2}', '{"site":"shop\n"}', '\u0001',
        `{${rng.string(rng.int(0, 200), WILD)}\u0001`, `${rng.string(rng.int(1, 50), '{}[]":,0123456789truefalsn ')}\u0001`,
      ]);
      collect('body: invalid JSON', text, [400]);
    }],
    // Nothing at all.
    [2, () => collect('body: empty', rng.pick(['', ' ', '\r\n\t ', '\n'.repeat(1000)]), [400])],
    // Bad UTF-8, inside a string or outside one.
    [5, () => {
      const seq = rng.pick(BAD_UTF8);
      const where = rng.pick(['site', 'name', 'props', 'outside', 'bom', 'utf16']);
      if (where === 'outside') return collect('utf8: bad bytes outside strings', Buffer.concat([Buffer.from('{"site":"shop",'), seq, Buffer.from('"url":"https://shop.example/"}')]), [400]);
      if (where === 'utf16') return collect('utf8: a UTF-16 body', Buffer.from(toJson(goodEvent(nextEid('bad'))), 'utf16le'), [400]);
      if (where === 'bom') {
        // A byte order mark: JSON.parse refuses it; a server could as well skip it.
        const eid = nextEid('any');
        return collect('utf8: byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(toJson(goodEvent(eid)))]), [400, 202], [{ verdict: 'any', eid, note: 'BOM' }]);
      }
      if (where === 'site') {
        const eid = nextEid('bad');
        const body = Buffer.concat([Buffer.from('{"site":"sh'), seq, Buffer.from(`op","url":"https://shop.example/","eid":"${eid}"}`)]);
        return collect('utf8: bad bytes in site', body, [202, 400], [{ verdict: 'bad', eid, note: 'bad UTF-8 in site' }]);
      }
      // Inside a free-text field: refusing (400) and replacing with U+FFFD (202) are both defensible.
      const eid = nextEid('any');
      const field = where === 'name' ? '"type":"event","name":"a' : '"props":{"k":"v';
      const body = Buffer.concat([Buffer.from(`{"site":"shop","url":"https://shop.example/","eid":"${eid}",${field}`), seq, Buffer.from(where === 'name' ? 'b"}' : 'w"}}')]);
      return collect(`utf8: bad bytes in ${where}`, body, [202, 400], [{ verdict: 'any', eid, note: `bad UTF-8 in ${where}` }]);
    }],
    // Deep nesting: V8's JSON.parse copes, and what it cannot parse must be a 400, never a stack overflow 500.
    [4, () => {
      const depth = rng.pick([1_000, 10_000, 100_000]);
      const kind = rng.pick(['array', 'object', 'unclosed', 'events', 'props', 'consent', 'site']);
      const eid = nextEid('bad');
      if (kind === 'array') return collect(`deep: ${kind}`, deepArray(depth), [202, 400], [{ verdict: 'bad', eid: undefined, note: `${depth} nested arrays` }]);
      if (kind === 'object') return collect(`deep: ${kind}`, deepObject(depth), [202, 400], [{ verdict: 'bad', eid: undefined, note: `${depth} nested objects` }]);
      if (kind === 'unclosed') return collect(`deep: ${kind}`, '['.repeat(depth), [400]);
      if (kind === 'events') return collect(`deep: ${kind}`, `{"events":${deepArray(depth)}}`, [202, 400], [{ verdict: 'bad', eid: undefined, note: `events ${depth} deep` }]);
      const inner = rng.chance(0.5) ? deepArray(depth) : deepObject(depth);
      const text = `{"site":${kind === 'site' ? inner : '"shop"'},"url":"https://shop.example/","eid":"${eid}"${kind === 'site' ? '' : `,"${kind}":${kind === 'props' ? `{"k":${inner}}` : inner}`}}`;
      return collect(`deep: ${kind}`, text, [202, 400], [{ verdict: 'bad', eid, note: `${kind} ${depth} deep` }]);
    }],
    // Bodies over the limit: declared, or chunked with no length.
    [1, () => {
      const size = rng.pick([maxBodyBytes + 1, maxBodyBytes + 1000, 2 * 1024 * 1024, 5 * 1024 * 1024]);
      const body = Buffer.from(`{"site":"shop","url":"https://shop.example/","name":"${'x'.repeat(size)}"}`);
      const chunked = rng.chance(0.4);
      pushed({ label: `size: body over the limit${chunked ? ' (chunked)' : ''}`, route: 'collect', path: '/collect', body, chunked, statuses: [413] });
    }],
    // A body of exactly the limit (whitespace padding) is still read.
    [0.2, () => {
      const eid = nextEid('ok');
      const json = toJson(goodEvent(eid));
      collect('size: body of exactly the limit', `${json}${' '.repeat(maxBodyBytes - Buffer.byteLength(json))}`, [202], [{ verdict: 'ok', eid, note: 'padded to the limit' }]);
    }],
    // More events than allowed, and exactly as many.
    [0.6, () => {
      const over = rng.chance(0.6);
      const parts = Array.from({ length: over ? maxEvents + rng.int(1, 100) : maxEvents }, () => (rng.chance(0.5) ? good() : hostileEvent(1_500)));
      const text = `{"events":[${parts.map((p) => p.json).join(',')}]}`;
      if (Buffer.byteLength(text) > maxBodyBytes) return collect('size: too many events (and bytes)', text, [413]);
      return over ? collect('size: too many events', text, [413]) : collect('size: exactly the most events', text, [202], parts.map((p) => p.event));
    }],
    // Content types that are not JSON are refused before the body is read.
    [4, () => {
      const type = rng.pick(['application/xml', 'text/xml', 'multipart/form-data; boundary=----x', 'application/x-www-form-urlencoded', 'text/html', 'image/gif', 'application/octet-stream', 'application/jsonx', 'json', '*/*', 'text/plainx', 'application/graphql']);
      const body = type.startsWith('multipart') ? '------x\r\nContent-Disposition: form-data; name="site"\r\n\r\nshop\r\n------x--\r\n' : toJson(goodEvent(nextEid('bad')));
      collect('content-type: not JSON', body, [415], undefined, { 'content-type': type });
    }],
    // JSON under the other names the collector accepts (sendBeacon's text/plain), or with no type at all.
    [2, () => {
      const eid = nextEid('ok');
      const type = rng.pick(['text/plain;charset=UTF-8', 'TEXT/PLAIN', 'application/json; charset=utf-8', 'Application/JSON', undefined]);
      const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
      const req = { label: 'content-type: JSON by another name', route: 'collect' as const, path: '/collect', body: Buffer.from(toJson(goodEvent(eid))), statuses: [202], events: [{ verdict: 'ok' as const, eid, note: `content-type ${type ?? '(none)'}` }] };
      if (type !== undefined) return pushed({ ...req, headers });
      // No content-type at all: build the request by hand so the default header is not added.
      out.push({ ...req, id: out.length, method: 'POST', headers: hostileHeaders(rng) });
    }],
    // Prototype pollution at the top level: the keys are data, never the prototype.
    [3, () => {
      const eid = nextEid('ok');
      const e = goodEvent(eid);
      setOwn(e, '__proto__', { polluted: 'yes', site: 'nosuch', events: [] });
      setOwn(e, 'constructor', { prototype: { polluted: 'yes' } });
      if (rng.chance(0.5)) return collect('pollution: top-level keys on an event', toJson(e), [202], [{ verdict: 'ok', eid, note: '__proto__ and constructor keys' }]);
      // "events" behind __proto__ is not a batch: the body is one event without a site.
      const body = setOwn({}, '__proto__', { events: [goodEvent(nextEid('bad'))], polluted: 'yes' });
      return collect('pollution: events behind __proto__', toJson(body), [202], [{ verdict: 'bad', eid: undefined, note: 'events hidden in __proto__' }]);
    }],
    // Lying framing, written on a raw socket: node:http itself answers these.
    [1.5, () => {
      const body = toJson(goodEvent(nextEid('bad')));
      const len = Buffer.byteLength(body);
      const head = (lines: string[]) => `POST /collect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${lines.join('\r\n')}\r\n\r\n`;
      const variant = rng.pick([
        ['content-length too small', head([`Content-Length: ${Math.max(1, len - rng.int(1, 20))}`]) + body, [400, 202]],
        ['content-length too large, then EOF', head([`Content-Length: ${len + rng.int(1, 1000)}`]) + body, [400]],
        ['content-length not a number', head(['Content-Length: abc']) + body, [400]],
        ['content-length negative', head(['Content-Length: -5']) + body, [400]],
        ['two content-lengths', head([`Content-Length: ${len}`, `Content-Length: ${len + 1}`]) + body, [400]],
        ['content-length with chunked', head([`Content-Length: ${len}`, 'Transfer-Encoding: chunked']) + body, [400]],
        ['broken chunk', head(['Transfer-Encoding: chunked']) + `zz\r\n${body}\r\n0\r\n\r\n`, [400]],
        ['huge content-length', head(['Content-Length: 99999999999']) + body, [413, 400]],
        ['over-limit content-length', head([`Content-Length: ${maxBodyBytes + 1}`]) + body, [413]],
      ] as const);
      const [what, text, statuses] = variant;
      // "too small" parses the first bytes (invalid JSON, 400) and then garbage as a second request (400).
      pushed({ label: `framing: ${what}`, route: 'collect', path: '/collect', raw: Buffer.from(text), statuses: what === 'content-length too small' ? [400] : statuses });
    }],
    // The pixel with random query strings.
    [10, () => pixelRequest()],
    // POST /consent, malformed.
    [9, () => consentRequest()],
  ];

  const pixelRequest = () => {
    const eid = nextEid('ok');
    const base: Array<[string, string]> = [['site', 'shop'], ['url', rng.pick(GOOD_URLS)(rng)], ['eid', eid]];
    if (rng.chance(0.3)) base.push(['ts', String(now - rng.int(0, 24 * HOUR))]);
    if (rng.chance(0.3)) base.push(['screen', '1920x1080']);
    if (rng.chance(0.3)) base.push(['lang', 'ru-RU']);
    if (rng.chance(0.3)) base.push(['referrer', rng.string(rng.int(0, 100), WILD)]);
    const m = rng.pick(PIXEL_MUTATIONS);
    const params = m.apply(base, rng, now);
    const query = params.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
    const extra = rng.chance(0.3) ? `&${rng.pick(PIXEL_JUNK)(rng)}` : '';
    // Now and then the query is only junk: no site, no url.
    const junkOnly = rng.chance(0.05);
    const verdict = junkOnly ? 'bad' : m.verdict;
    const eidOf = params.find(([k]) => k === 'eid')?.[1];
    const event: FuzzEvent = { verdict, eid: verdict === 'bad' ? undefined : eidOf, note: `pixel ${junkOnly ? 'junk only' : m.note}` };
    const path = `/collect.gif?${junkOnly ? '' : query}${extra}`;
    // Past 16 KiB of request line node:http answers 431 itself.
    const statuses = path.length > 15_000 ? [431, 414, 400] : verdict === 'ok' ? [200] : verdict === 'bad' ? [400] : [200, 400];
    pushed({ label: `pixel: ${m.note}`, route: 'pixel', path, statuses, events: statuses[0] === 431 ? undefined : [event] });
  };

  const consentRequest = () => {
    const good: Obj = { site: 'shop', cid: `c-${rng.string(8)}`, consent: obj(CONSENT_KEYS.filter(() => rng.chance(0.5)).map((k) => [k, rng.chance(0.5)])) };
    const m = rng.pick(CONSENT_MUTATIONS);
    const r = m.apply(good, rng);
    const body = typeof r.body === 'string' ? r.body : toJson(r.body);
    pushed({ label: `consent: ${m.note}`, route: 'consent', path: '/consent', body: Buffer.from(body), statuses: r.statuses, headers: r.headers });
  };

  const weightSum = families.reduce((s, [w]) => s + w, 0);
  while (out.length < total) {
    let x = rng.float() * weightSum;
    for (const [w, make] of families) {
      x -= w;
      if (x < 0) {
        make();
        break;
      }
    }
  }
  return out;
}

function enc(s: string): string {
  // Lone surrogates cannot be percent-encoded as UTF-8; send their replacement.
  return encodeURIComponent(s.replace(/\p{Cs}/gu, '\ufffd'));
}

/** No lone surrogate. */
export function isWellFormed(s: string): boolean {
  return s.isWellFormed();
}

// ---- hostile headers -------------------------------------------------------------------------

/** Headers a hostile client adds; only printable latin1, which is all node:http will send. */
function hostileHeaders(rng: Rng): Record<string, string> {
  const h: Record<string, string> = {};
  const printable = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~\u00a0\u00e9\u00ff';
  if (rng.chance(0.2)) h['user-agent'] = rng.pick(['', 'curl/8.0', 'Mozilla/5.0 (compatible; YandexBot/3.0)', rng.string(rng.int(1, 8000), printable)]);
  if (rng.chance(0.1)) h.origin = rng.pick(['null', 'https://shop.example', 'https://evil.example', 'javascript:alert(1)', '%%%', rng.string(rng.int(1, 2000), printable)]);
  if (rng.chance(0.1)) h.cookie = rng.pick(['_cid=', '_cid', '=;=;;', `_cid=${rng.string(rng.int(1, 4000), printable)}`, '_cid=a; _cid=b', rng.string(rng.int(1, 500), printable)]);
  if (rng.chance(0.05)) h['x-forwarded-for'] = rng.pick(['1.2.3.4', 'not an ip', '::1, 999.1.1.1', rng.string(200, printable)]);
  return h;
}

// ---- event mutations -------------------------------------------------------------------------

const CONSENT_KEYS = ['statistics', 'personalization', 'advertising', 'thirdParty'] as const;

const GOOD_URLS: ReadonlyArray<(rng: Rng) => string> = [
  (rng) => `https://shop.example/p/${rng.int(1, 1e6)}`,
  (rng) => `http://shop.example/c?utm_source=${rng.string(8)}&utm_medium=cpc&q=${rng.string(10)}`,
  () => 'HTTPS://SHOP.EXAMPLE/Caps',
  () => 'https://shop.example:8443/port#frag',
  () => 'https://shop.example/\u043a\u0430\u0442\u0430\u043b\u043e\u0433?q=\u043e\u0431\u0443\u0432\u044c',
  (rng) => `https://shop.example/${rng.string(2048 - 'https://shop.example/'.length)}`,
  (rng) => `https://shop.example/pay/4111111111111111?email=a@b.ru&t=${rng.string(40)}`,
];

interface Mutation {
  /** The field it replaces (deleted from the good event first), if one. */
  readonly field?: string;
  readonly verdict: Verdict;
  readonly note: string;
  /** Changes `e` in place, or returns a whole replacement value for the event. */
  apply(e: Obj, rng: Rng, ctx: { now: number; eid: string }): { replace: Json } | undefined;
}

/** The same field set to each of `values`, one mutation each. */
function fieldValues(field: string, verdict: Verdict, values: ReadonlyArray<readonly [note: string, value: (rng: Rng, ctx: { now: number; eid: string }) => Json | undefined]>): Mutation[] {
  return values.map(([note, value]) => ({
    field,
    verdict,
    note: `${field}: ${note}`,
    apply(e, rng, ctx) {
      const v = value(rng, ctx);
      if (v !== undefined) setOwn(e, field, v);
      return undefined;
    },
  }));
}

const k = <T extends Json>(v: T) => () => v;
const long = (n: number, ch = 'x') => () => ch.repeat(n);
const wrongTypes = (but: string[] = []): Array<readonly [string, () => Json]> =>
  ([
    ['number', k(42)],
    ['float', k(1.5)],
    ['negative', k(-1)],
    ['boolean', k(true)],
    ['false', k(false)],
    ['array', k(['shop'])],
    ['empty array', k([])],
    ['object', k({ toString: 'shop', valueOf: 'shop' })],
    ['empty object', k({})],
  ] as const).filter(([n]) => !but.includes(n));
const LONE = '\ud800';

const MUTATIONS: readonly Mutation[] = [
  // site
  ...fieldValues('site', 'bad', [
    ['missing', () => undefined],
    ['null', k(null)],
    ['empty', k('')],
    ...wrongTypes(),
    ['65 characters', long(65)],
    ['1 MB-ish', long(200_000)],
    ['not registered', k('nosuch')],
    ['upper case', k('SHOP')],
    ['padded', k(' shop')],
    ['NUL', k('shop\u0000')],
    ['replacement char', k('sh\ufffdop')],
    ['lone surrogate', k(`shop${LONE}`)],
    ['__proto__', k('__proto__')],
    ['constructor', k('constructor')],
    ['toString', k('toString')],
    ['hasOwnProperty', k('hasOwnProperty')],
    ['SQL', k("shop' OR '1'='1")],
    ['Cyrillic look-alike', k('\u0455hop')],
  ]),
  // type
  ...fieldValues('type', 'bad', [
    ['null', k(null)],
    ['empty', k('')],
    ...wrongTypes(),
    ['unknown', k('click')],
    ['upper case', k('PAGEVIEW')],
    ['trailing NUL', k('pageview\u0000')],
    ['__proto__', k('__proto__')],
  ]),
  { field: 'name', verdict: 'bad', note: 'name: missing on an event', apply: () => undefined },
  // url
  ...fieldValues('url', 'bad', [
    ['missing', () => undefined],
    ['null', k(null)],
    ['empty', k('')],
    ...wrongTypes(),
    ['relative', k('/p/1')],
    ['scheme-less', k('shop.example/p')],
    ['protocol-relative', k('//shop.example/p')],
    ['javascript:', k('javascript:alert(document.cookie)')],
    ['data:', k('data:text/html,<script>alert(1)</script>')],
    ['ftp:', k('ftp://shop.example/')],
    ['file:', k('file:///etc/passwd')],
    ['ws:', k('ws://shop.example/')],
    ['blob:', k('blob:https://shop.example/uuid')],
    ['host not registered', k('https://evil.example/')],
    ['registered host as a subdomain', k('https://shop.example.evil.com/')],
    ['registered host in userinfo', k('https://shop.example@evil.com/')],
    ['registered host in the query', k('https://evil.com/?u=https://shop.example/')],
    ['Cyrillic look-alike', k('https://\u0441\u043ecoa-calypso.ru/a')],
    ['Cyrillic o in the host', k('https://sh\u043ep.example/')],
    ['punycode look-alike', k('https://xn--shp-ced.example/')],
    ['trailing dot', k('http://shop.example./')],
    ['bad port', k('https://shop.example:99999/')],
    ['IPv6 literal', k('https://[::1]/')],
    ['IPv4 literal', k('https://127.0.0.1/')],
    ['no host', k('https://')],
    ['2049 characters', () => `https://shop.example/${'a'.repeat(2049 - 'https://shop.example/'.length)}`],
    ['100 KB', () => `https://shop.example/${'a'.repeat(100_000)}`],
    ['lone surrogate host', k(`https://shop${LONE}.example/`)],
  ]),
  // ts
  ...fieldValues('ts', 'bad', [
    ['null', k(null)],
    ...wrongTypes(['negative']),
    ['numeric string', (_r, { now }) => String(now)],
    ['"NaN"', k('NaN')],
    ['"Infinity"', k('Infinity')],
    ['1e400 (Infinity)', k(raw('1e400'))],
    ['fraction', (_r, { now }) => now - 1000 + 0.5],
    ['-1', k(-1)],
    ['0', k(0)],
    ['far past', (_r, { now }) => now - 10 * 24 * HOUR],
    ['just past the age limit', (_r, { now }) => now - 73 * HOUR],
    ['an hour ahead', (_r, { now }) => now + HOUR],
    ['10 minutes ahead', (_r, { now }) => now + 10 * 60_000],
    ['1e300', k(1e300)],
    ['-1e300', k(-1e300)],
    ['2^53 + 1', k(raw('9007199254740993'))],
    ['seconds not ms', (_r, { now }) => Math.floor(now / 1000)],
    ['in an array', (_r, { now }) => [now]],
  ]),
  // name (on an event)
  ...fieldValues('name', 'bad', [
    ['null', k(null)],
    ['empty', k('')],
    ...wrongTypes(),
    ['101 characters', long(101)],
    ['51 emoji (102 code units)', long(51, '\u{1f600}')],
    ['200 KB', long(200_000)],
  ]),
  ...fieldValues('name', 'ok', [
    ['100 characters', long(100)],
    ['50 emoji (100 code units)', long(50, '\u{1f600}')],
    ['wild text', (rng) => rng.string(rng.int(1, 100), WILD)],
    ['markup', k('<img src=x onerror=alert(1)>')],
  ]),
  // screen
  ...fieldValues('screen', 'bad', [
    ...wrongTypes(),
    ['capital X', k('1920X1080')],
    ['one digit', k('1x1')],
    ['six digits', k('123456x1')],
    ['trailing space', k('1920x1080 ')],
    ['trailing newline', k('1920x1080\n')],
    ['12 characters', long(12, '1')],
    ['Arabic digits', k('\u0661\u0669\u0662\u0660x\u0661\u0660\u0668\u0660')],
  ]),
  // lang
  ...fieldValues('lang', 'bad', [
    ...wrongTypes(),
    ['one letter', k('r')],
    ['underscore', k('ru_RU')],
    ['trailing dash', k('ru-')],
    ['double dash', k('ru--RU')],
    ['markup', k('<script>')],
    ['36 characters', long(36, 'a')],
    ['trailing newline', k('ru-RU\n')],
    ['Cyrillic', k('\u0440\u0443')],
  ]),
  // referrer: free text up to 2048, so strange strings are accepted; wrong types and length are not
  ...fieldValues('referrer', 'bad', [...wrongTypes(), ['2049 characters', long(2049)], ['1 MB-ish', long(300_000)]]),
  ...fieldValues('referrer', 'any', [
    ['javascript:', k('javascript:alert(1)')],
    ['not a URL', k('not a url at all')],
    ['broken IPv6', k('https://[::1')],
    ['NUL', k('\u0000')],
    ['look-alike', k('https://\u0441\u043ecoa-calypso.ru/')],
    ['2048 characters', () => `https://yandex.ru/${'q'.repeat(2048 - 'https://yandex.ru/'.length)}`],
  ]),
  // NOTE: a lone UTF-16 surrogate is valid JSON that ClickHouse cannot store: refused by name in every field.
  ...fieldValues('referrer', 'bad', [['lone surrogate', k(`https://yandex.ru/${LONE}`)], ['lone low surrogate', k('\udc00')]]),
  // cid / eid
  ...fieldValues('cid', 'bad', [...wrongTypes(), ['129 characters', long(129)], ['200 KB', long(200_000)]]),
  ...fieldValues('cid', 'ok', [['128 characters', long(128)], ['wild text', (rng) => rng.string(rng.int(1, 128), WILD)]]),
  ...fieldValues('cid', 'bad', [['lone surrogate', k(LONE)], ['lone surrogate after text', k(`abc${LONE}`)]]),
  ...fieldValues('eid', 'bad', [...wrongTypes(), ['129 characters', long(129)]]),
  ...fieldValues('eid', 'ok', [
    ['128 characters', (_r, { eid }) => `${eid}-${'e'.repeat(127 - eid.length)}`],
    ['wild text', (rng, { eid }) => `${eid}-${rng.string(rng.int(1, 100), WILD)}`],
  ]),
  ...fieldValues('eid', 'bad', [['lone surrogate', (_r, { eid }) => `${eid}${LONE}`]]),
  // props
  ...fieldValues('props', 'bad', [
    ['string', k('a=1')],
    ['number', k(1)],
    ['boolean', k(true)],
    ['array', k(['a'])],
    ['empty array', k([])],
    ['21 keys', () => obj(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']))],
    ['1000 keys', () => obj(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]))],
    ['nested object', k({ a: { b: 'c' } })],
    ['nested array', k({ a: ['b'] })],
    ['null value', k({ a: null })],
    ['empty key', k({ '': 'x' })],
    ['51-character key', () => obj([['k'.repeat(51), 'x']])],
    ['201-character value', () => ({ a: 'v'.repeat(201) })],
    ['200 KB value', () => ({ a: 'v'.repeat(200_000) })],
    ['__proto__ object', () => obj([['__proto__', { polluted: 'yes' }]])],
    ['constructor.prototype', () => obj([['constructor', { prototype: { polluted: 'yes' } }]])],
    ['__proto__ and a bad value', () => obj([['__proto__', 'x'], ['b', { c: 1 }]])],
  ]),
  ...fieldValues('props', 'ok', [
    ['20 keys', () => obj(Array.from({ length: 20 }, (_, i) => [`k${i}`, i % 2 === 0 ? 'v' : i]))],
    ['50-character key, 200-character value', () => obj([['k'.repeat(50), 'v'.repeat(200)]])],
    ['numbers and booleans', k({ a: 1e21, b: -0.5, c: false, d: 0 })],
    ['empty object', k({})],
    ['null', k(null)],
    ['constructor string', () => obj([['constructor', 'x'], ['toString', 'y'], ['hasOwnProperty', 'z']])],
  ]),
  // A "__proto__" key with a string value: dropping it or keeping it as data are both fine.
  ...fieldValues('props', 'any', [
    ['__proto__ string', () => obj([['__proto__', 'x'], ['a', 'b']])],
  ]),
  ...fieldValues('props', 'bad', [
    ['lone surrogate value', k({ a: `v${LONE}` })],
    ['lone surrogate key', () => obj([[`k${LONE}`, 'v']])],
    ['lone surrogate among good keys', () => obj([['a', 'b'], ['c', `\udfff${LONE}`]])],
  ]),
  ...fieldValues('lang', 'bad', [['lone surrogate', k(`ru${LONE}`)]]),
  ...fieldValues('screen', 'bad', [['lone surrogate', k(`1920x108${LONE}`)]]),
  ...fieldValues('type', 'bad', [['lone surrogate', k(`pageview${LONE}`)]]),
  // An import's original address and user agent: ignored on /collect, but refused like any field.
  ...fieldValues('ip', 'bad', [['lone surrogate', k(`1.2.3.4${LONE}`)]]),
  ...fieldValues('ua', 'bad', [['lone surrogate', k(`Mozilla/5.0 ${LONE}`)]]),
  // consent
  ...fieldValues('consent', 'bad', [
    ['string', k('yes')],
    ['number', k(1)],
    ['boolean', k(true)],
    ['array', k([true])],
    ['empty array', k([])],
    ['unknown flag', k({ ads: true })],
    ['string flag', k({ statistics: 'true' })],
    ['number flag', k({ statistics: 1 })],
    ['null flag', k({ statistics: null })],
    ['__proto__ flag', () => obj([['__proto__', { statistics: true, polluted: 'yes' }]])],
    ['constructor flag', k({ constructor: true })],
    ['toString flag', k({ toString: true })],
    ['extra key', k({ statistics: true, extra: false })],
    ['deep', () => ({ statistics: { statistics: { statistics: true } } })],
  ]),
  ...fieldValues('consent', 'ok', [
    ['empty object', k({})],
    ['null', k(null)],
    ['every flag', k({ statistics: true, personalization: true, advertising: true, thirdParty: true })],
  ]),
  // The event itself is not an object.
  ...(
    [
      ['null', null],
      ['number', 0],
      ['string', 'shop'],
      ['boolean', true],
      ['empty array', []],
      ['array of an event', [{ site: 'shop', url: 'https://shop.example/' }]],
    ] as ReadonlyArray<readonly [string, Json]>
  ).map(([note, v]): Mutation => ({ verdict: 'bad', note: `event: ${note}`, apply: () => ({ replace: v }) })),
  // Prototype pollution inside the event, beside valid fields: ignored keys.
  {
    verdict: 'ok',
    note: 'event: __proto__ and constructor keys',
    apply(e) {
      setOwn(e, '__proto__', { polluted: 'yes', site: 'nosuch' });
      setOwn(e, 'constructor', { prototype: { polluted: 'yes' } });
      setOwn(e, 'hasOwnProperty', 'x');
      return undefined;
    },
  },
  // Odd text in free fields. A lone surrogate is refused by name (ClickHouse could not store it).
  { field: 'name', verdict: 'bad', note: 'name: lone surrogate', apply: (e) => void setOwn(e, 'name', `a${LONE}b`) },
  { field: 'url', verdict: 'bad', note: 'url: lone surrogate in the path', apply: (e) => void setOwn(e, 'url', `https://shop.example/${LONE}?utm_source=${LONE}`) },
  { field: 'url', verdict: 'ok', note: 'url: tab in the host (stripped by the URL parser)', apply: (e) => void setOwn(e, 'url', 'https://shop.exa\tmple/') },
  { field: 'url', verdict: 'ok', note: 'url: upper-case host', apply: (e) => void setOwn(e, 'url', 'https://SHOP.Example/UP') },
];

const BAD_UTF8: readonly Buffer[] = [
  Buffer.from([0xff]),
  Buffer.from([0xfe, 0xff]),
  Buffer.from([0xc3, 0x28]), // a broken 2-byte sequence
  Buffer.from([0xc0, 0xaf]), // overlong "/"
  Buffer.from([0xe0, 0x80, 0xaf]), // overlong, 3 bytes
  Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate encoded as UTF-8
  Buffer.from([0xe2, 0x82]), // truncated
  Buffer.from([0xf4, 0x90, 0x80, 0x80]), // above U+10FFFF
  Buffer.from([0x80, 0x80, 0x80]), // lone continuation bytes
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), // 5-byte form
];

// ---- pixel mutations -------------------------------------------------------------------------

interface PixelMutation {
  readonly verdict: Verdict;
  readonly note: string;
  apply(params: Array<[string, string]>, rng: Rng, now: number): Array<[string, string]>;
}

const setParam = (key: string, value: string | undefined) => (params: Array<[string, string]>) => {
  const rest = params.filter(([k2]) => k2 !== key);
  return value === undefined ? rest : [...rest, [key, value] as [string, string]];
};

const PIXEL_MUTATIONS: readonly PixelMutation[] = [
  { verdict: 'ok', note: 'good', apply: (p) => p },
  { verdict: 'ok', note: 'garbage keys', apply: (p, rng) => [...p, ['__proto__', 'x'], ['constructor', 'y'], [rng.string(10, WILD), rng.string(20, WILD)]] },
  { verdict: 'ok', note: 'repeated keys (first wins)', apply: (p) => [...p, ['site', 'nosuch'], ['url', 'javascript:1']] },
  { verdict: 'ok', note: 'props are not a pixel field', apply: (p) => [...p, ['props', '{"a":{}}'], ['consent', 'garbage']] },
  ...(
    [
      ['site', undefined, 'no site'],
      ['site', '', 'empty site'],
      ['site', 'nosuch', 'unknown site'],
      ['site', '__proto__', 'site __proto__'],
      ['site', 'x'.repeat(65), 'site 65 characters'],
      ['url', undefined, 'no url'],
      ['url', 'relative', 'relative url'],
      ['url', 'javascript:alert(1)', 'javascript: url'],
      ['url', 'data:,x', 'data: url'],
      ['url', 'https://evil.example/', 'unregistered host'],
      ['url', 'https://\u0441\u043ecoa-calypso.ru/', 'look-alike host'],
      ['url', `https://shop.example/${'a'.repeat(2100)}`, 'url over 2048'],
      ['ts', 'abc', 'ts not a number'],
      ['ts', '', 'ts empty'],
      ['ts', '1.5', 'ts fraction'],
      ['ts', '-1', 'ts negative'],
      ['ts', '9'.repeat(400), 'ts 400 digits (Infinity)'],
      ['ts', '0', 'ts zero'],
      ['ts', 'NaN', 'ts NaN'],
      ['type', 'click', 'unknown type'],
      ['type', 'event', 'event without a name'],
      ['screen', '1920X1080', 'bad screen'],
      ['lang', 'ru_RU', 'bad lang'],
      ['cid', 'c'.repeat(129), 'cid 129 characters'],
      ['eid', 'e'.repeat(129), 'eid 129 characters'],
      ['name', 'n'.repeat(101), 'name 101 characters'],
      ['referrer', 'r'.repeat(2049), 'referrer 2049 characters'],
    ] as ReadonlyArray<readonly [string, string | undefined, string]>
  ).map(([key, value, note]): PixelMutation => ({ verdict: 'bad', note, apply: setParam(key, value) })),
  { verdict: 'bad', note: 'ts far future', apply: (p, _rng, now) => setParam('ts', String(now + 24 * HOUR))(p) },
  { verdict: 'bad', note: 'ts far past', apply: (p, _rng, now) => setParam('ts', String(now - 30 * 24 * HOUR))(p) },
  // Lone surrogates are percent-encoded as U+FFFD; free text, so either answer.
  { verdict: 'any', note: 'wild text in name', apply: (p, rng) => [...p.filter(([k2]) => k2 !== 'type'), ['type', 'event'], ['name', rng.string(rng.int(1, 100), WILD)]] },
  { verdict: 'bad', note: 'a huge query (431 or 400)', apply: (p) => [...p.filter(([k2]) => k2 !== 'site'), ['site', 's'.repeat(20_000)]] },
];

const PIXEL_JUNK: ReadonlyArray<(rng: Rng) => string> = [
  () => '%zz=%',
  () => '&&&==&',
  () => 'a[b]=c&a[__proto__][polluted]=yes',
  (rng) => `junk=${[...rng.bytes(20)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`,
  () => '%ED%A0%80=%C0%AF',
  () => 'site',
  () => '=shop',
];

// ---- consent mutations -----------------------------------------------------------------------

interface ConsentCase {
  body: Json | string;
  statuses: number[];
  headers?: Record<string, string>;
}

interface ConsentMutation {
  readonly note: string;
  apply(good: Obj, rng: Rng): ConsentCase;
}

const with_ = (good: Obj, key: string, value: Json | undefined): Obj => {
  const o: Obj = {};
  for (const [k2, v] of Object.entries(good)) if (k2 !== key) setOwn(o, k2, v);
  if (value !== undefined) setOwn(o, key, value);
  return o;
};

const CONSENT_MUTATIONS: readonly ConsentMutation[] = [
  { note: 'good', apply: (g) => ({ body: g, statuses: [200] }) },
  { note: 'cid from the cookie', apply: (g, rng) => ({ body: with_(g, 'cid', undefined), statuses: [200], headers: { cookie: `_cid=${rng.string(20)}` } }) },
  { note: 'pollution keys beside good ones', apply: (g) => ({ body: setOwn(setOwn(with_(g, 'x', undefined), '__proto__', { polluted: 'yes' }), 'constructor', { prototype: { polluted: 'yes' } }), statuses: [200] }) },
  ...(
    [
      ['body null', 'null'],
      ['body number', '1'],
      ['body string', '"shop"'],
      ['body array', '[{"site":"shop","cid":"a","consent":{}}]'],
      ['body true', 'true'],
      ['invalid JSON', '{"site":"shop",'],
      ['deep array', deepArray(10_000)],
      ['deep object', deepObject(10_000)],
      ['unclosed deep', '['.repeat(50_000)],
    ] as ReadonlyArray<readonly [string, string]>
  ).map(([note, text]): ConsentMutation => ({ note, apply: () => ({ body: text, statuses: [400] }) })),
  { note: 'empty body', apply: () => ({ body: '', statuses: [400] }) },
  { note: 'xml', apply: () => ({ body: '<consent/>', statuses: [415], headers: { 'content-type': 'application/xml' } }) },
  { note: 'form', apply: () => ({ body: 'site=shop&cid=a', statuses: [415], headers: { 'content-type': 'application/x-www-form-urlencoded' } }) },
  { note: 'over the body limit', apply: () => ({ body: `{"site":"shop","cid":"a","consent":{},"pad":"${'p'.repeat(1024 * 1024)}"}`, statuses: [413] }) },
  ...(
    [
      ['site', undefined],
      ['site', null],
      ['site', 1],
      ['site', ['shop']],
      ['site', { id: 'shop' }],
      ['site', 'nosuch'],
      ['site', '__proto__'],
      ['site', 'x'.repeat(100_000)],
      ['cid', undefined],
      ['cid', ''],
      ['cid', 1],
      ['cid', ['a']],
      ['cid', 'c'.repeat(129)],
      // A lone UTF-16 surrogate is refused by name, as in a hit.
      ['cid', `c${LONE}`],
      ['site', `shop${LONE}`],
      ['consent', undefined],
      ['consent', null],
      ['consent', 'all'],
      ['consent', true],
      ['consent', [true]],
      ['consent', { ads: true }],
      ['consent', { statistics: 'yes' }],
      ['consent', { statistics: 1 }],
      ['consent', { constructor: true }],
    ] as ReadonlyArray<readonly [string, Json | undefined]>
  ).map(([key, value]): ConsentMutation => ({ note: `${key} ${JSON.stringify(value)?.slice(0, 20) ?? 'missing'}`, apply: (g) => ({ body: with_(g, key, value), statuses: [400] }) })),
  { note: 'consent __proto__', apply: (g) => ({ body: with_(g, 'consent', obj([['__proto__', { statistics: true, polluted: 'yes' }]])), statuses: [400] }) },
  { note: 'site behind __proto__', apply: (g) => ({ body: setOwn(with_(g, 'site', undefined), '__proto__', { site: 'shop' }), statuses: [400] }) },
];
