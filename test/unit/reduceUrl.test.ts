import { describe, expect, it } from 'vitest';
import { redact, reduceUrl, referrerHost, UTM_KEYS } from '../../src/privacy/reduceUrl.ts';

const reduce = (u: string) => reduceUrl(new URL(u));
const NO_UTM = Object.fromEntries(UTM_KEYS.map((k) => [k, '']));

describe('reduceUrl', () => {
  it('keeps host and path and nothing else of a plain URL', () => {
    expect(reduce('https://Shop.Example:8443/catalog/shoes')).toEqual({ host: 'shop.example', path: '/catalog/shoes', utm: NO_UTM });
  });

  it('keeps utm_* and drops every other query parameter, the fragment and credentials', () => {
    const r = reduce(
      'https://user:pw@shop.example/landing?utm_source=news&utm_medium=email&utm_campaign=bf26&utm_term=shoes&utm_content=hero&gclid=abc123&session=xyz&email=a%40b.example#section-2',
    );
    expect(r).toEqual({
      host: 'shop.example',
      path: '/landing',
      utm: { utm_source: 'news', utm_medium: 'email', utm_campaign: 'bf26', utm_term: 'shoes', utm_content: 'hero' },
    });
    const text = JSON.stringify(r);
    for (const dropped of ['gclid', 'abc123', 'session', 'xyz', 'a@b', 'section-2', 'user', 'pw']) expect(text).not.toContain(dropped);
  });

  it('has every utm key, empty when absent', () => {
    expect(Object.keys(reduce('https://s.example/?utm_source=x').utm).sort()).toEqual([...UTM_KEYS].sort());
    expect(reduce('https://s.example/?utm_source=x').utm.utm_medium).toBe('');
  });

  it('redacts an e-mail address in the path, encoded or not', () => {
    expect(reduce('https://s.example/users/john.doe@mail.example/orders').path).toBe('/users/[email]/orders');
    expect(reduce('https://s.example/users/john.doe%40mail.example/orders').path).toBe('/users/[email]/orders');
  });

  it('redacts an encoded e-mail even when another part of the path is badly encoded', () => {
    const r = reduce('https://s.example/users/john.doe%40mail.example/100%');
    expect(r.path).not.toContain('john.doe');
    expect(r.path).toContain('[email]');
    expect(r.path.endsWith('/100%')).toBe(true);
    expect(reduce('https://s.example/users/john.doe%40%E0mail.example').path).toBe('/users/[email]');
  });

  it('redacts phone numbers in the path', () => {
    expect(reduce('https://s.example/call/+7%20(495)%20123-45-67/done').path).toBe('/call/[phone]/done');
    expect(reduce('https://s.example/call/+74951234567').path).toBe('/call/[phone]');
    expect(reduce('https://s.example/call/8-800-555-35-35').path).toBe('/call/[phone]');
  });

  it('redacts long tokens in the path', () => {
    const token = 'a8F3kQ9zXw2LmN7pR4tV6yB1cD5eG0hJ';
    expect(token).toHaveLength(32);
    expect(reduce(`https://s.example/reset/${token}/confirm`).path).toBe('/reset/[token]/confirm');
    expect(reduce(`https://s.example/reset/${token.slice(1)}`).path).toBe(`/reset/${token.slice(1)}`);
  });

  it('keeps dates and long slugs of words, which are neither phones nor tokens', () => {
    expect(reduce('https://s.example/archive/2026-11-01').path).toBe('/archive/2026-11-01');
    const slug = 'how-to-choose-running-shoes-for-winter';
    expect(slug.length).toBeGreaterThanOrEqual(32);
    expect(reduce(`https://s.example/blog/${slug}`).path).toBe(`/blog/${slug}`);
  });

  it('leaves ordinary paths and short numbers alone', () => {
    expect(reduce('https://s.example/catalog/item/12345/reviews').path).toBe('/catalog/item/12345/reviews');
    expect(reduce('https://s.example/blog/2026/11/01/sale').path).toBe('/blog/2026/11/01/sale');
  });

  it('redacts personal data in utm values too', () => {
    const r = reduce('https://s.example/?utm_source=john%40mail.example&utm_term=%2B74951234567');
    expect(r.utm.utm_source).toBe('[email]');
    expect(r.utm.utm_term).toBe('[phone]');
  });

  it('caps the path and utm values', () => {
    const long = Array.from({ length: 400 }, () => 'ab').join('/');
    expect(reduce(`https://s.example/${long}`).path).toHaveLength(1024);
    expect(reduce(`https://s.example/?utm_campaign=${'x/'.repeat(150)}`).utm.utm_campaign).toHaveLength(200);
  });
});

describe('reduceUrl utm parameters', () => {
  it('answers as URLSearchParams does, for queries read without it and with it', () => {
    const queries = ['?utm_source=x', '?utm_source=x&utm_source=y', '?utm_source', '?utm_source=&utm_medium=m=n', '?a=1&&utm_term=t&utm_content=c#f', '?utm%5Fsource=z', '?utm_source=a+b', '?utm_source=%E2%82%AC', '?utm_source=%zz', '', '?', '?x=utm_source=q', '?utm_campaign=ü', '?=utm_&utm_=1&utm_source=='];
    for (const q of queries) {
      const url = new URL(`https://s.example/${q}`);
      const expected = Object.fromEntries(UTM_KEYS.map((k) => [k, redact(url.searchParams.get(k) ?? '')]));
      expect(reduceUrl(url).utm, q).toEqual(expected);
    }
  });
});

describe('redact', () => {
  it('replaces each kind of personal data and keeps the rest', () => {
    expect(redact('mail a@b.example or call +1 (555) 123-4567 with key ABCDEFGHIJKLMNOPQRSTUVWXYZ012345')).toBe('mail [email] or call [phone] with key [token]');
  });
});

describe('referrerHost', () => {
  it('keeps only the host of a referrer', () => {
    expect(referrerHost('https://www.Search.example/search?q=secret+words#frag')).toBe('www.search.example');
    expect(referrerHost('http://user:pw@partner.example:8080/path')).toBe('partner.example');
  });

  it('is empty for no referrer or one that is not a URL', () => {
    expect(referrerHost(undefined)).toBe('');
    expect(referrerHost('')).toBe('');
    expect(referrerHost('not a url')).toBe('');
    expect(referrerHost('/relative/path')).toBe('');
  });
});
