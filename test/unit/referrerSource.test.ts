import { describe, expect, it } from 'vitest';
import { classifyReferrer, type ReferrerSource } from '../../src/privacy/referrerSource.ts';

const SITE = ['soso-calypso.ru', 'shop.soso-calypso.com', 'пример.рф'];

describe('classifyReferrer', () => {
  it.each<[string, ReferrerSource]>([
    // direct
    ['', 'direct'],
    // internal: the site's names and their subdomains, www or not, any case, Unicode or punycode
    ['soso-calypso.ru', 'internal'],
    ['www.soso-calypso.ru', 'internal'],
    ['blog.soso-calypso.ru', 'internal'],
    ['SOSO-Calypso.RU', 'internal'],
    ['shop.soso-calypso.com', 'internal'],
    ['eu.shop.soso-calypso.com', 'internal'],
    ['xn--e1afmkfd.xn--p1ai', 'internal'],
    ['www.пример.рф', 'internal'],
    // look-alikes and neighbours are not the site
    ['evil-soso-calypso.ru', 'other'],
    ['soso-calypso.ru.evil.example', 'other'],
    ['soso-calypso.com', 'other'],
    [new URL('http://соcoa-calypso.ru').hostname, 'other'], // Cyrillic с, о
    ['socoa-calypso.ru', 'other'],
    // webmail, before the search brands it lives under
    ['mail.yandex.ru', 'email'],
    ['mail.yandex.com', 'email'],
    ['e.mail.ru', 'email'],
    ['mail.google.com', 'email'],
    ['outlook.live.com', 'email'],
    ['outlook.office.com', 'email'],
    ['mail.rambler.ru', 'email'],
    // search
    ['yandex.ru', 'search'],
    ['www.yandex.ru', 'search'],
    ['yandex.com', 'search'],
    ['yandex.com.tr', 'search'],
    ['yandex.kz', 'search'],
    ['ya.ru', 'search'],
    ['www.google.com', 'search'],
    ['google.ru', 'search'],
    ['www.google.co.uk', 'search'],
    ['google.com.br', 'search'],
    ['com.google.android.googlequicksearchbox', 'search'],
    ['www.bing.com', 'search'],
    ['cn.bing.com', 'search'],
    ['go.mail.ru', 'search'],
    ['duckduckgo.com', 'search'],
    ['html.duckduckgo.com', 'search'],
    ['search.yahoo.com', 'search'],
    ['www.baidu.com', 'search'],
    ['m.baidu.com', 'search'],
    ['nova.rambler.ru', 'search'],
    ['www.ecosia.org', 'search'],
    ['www.startpage.com', 'search'],
    // social
    ['vk.com', 'social'],
    ['m.vk.com', 'social'],
    ['vk.ru', 'social'],
    ['ok.ru', 'social'],
    ['m.ok.ru', 'social'],
    ['t.me', 'social'],
    ['web.telegram.org', 'social'],
    ['telegram.org', 'social'],
    ['l.facebook.com', 'social'],
    ['www.facebook.com', 'social'],
    ['www.instagram.com', 'social'],
    ['twitter.com', 'social'],
    ['x.com', 'social'],
    ['t.co', 'social'],
    ['www.linkedin.com', 'social'],
    ['www.youtube.com', 'social'],
    ['m.youtube.com', 'social'],
    ['dzen.ru', 'social'],
    ['www.pinterest.com', 'social'],
    ['ru.pinterest.com', 'social'],
    ['pinterest.co.uk', 'social'],
    ['www.reddit.com', 'social'],
    ['www.tiktok.com', 'social'],
    // sub-services of search brands, and everything else
    ['music.yandex.ru', 'other'],
    ['docs.google.com', 'other'],
    ['mail.ru', 'other'],
    ['news.rambler.ru', 'other'],
    ['yandex.ru.evil.example', 'other'],
    ['notvk.com', 'other'],
    ['habr.com', 'other'],
    ['example.org', 'other'],
  ])('%j → %s', (referrerHost, source) => {
    expect(classifyReferrer(referrerHost, SITE).source).toBe(source);
  });

  it('returns the host lower-cased, with its www., as given', () => {
    expect(classifyReferrer('WWW.Google.COM', SITE)).toEqual({ source: 'search', host: 'www.google.com' });
    expect(classifyReferrer('Habr.com', SITE)).toEqual({ source: 'other', host: 'habr.com' });
    expect(classifyReferrer('www.soso-calypso.ru', SITE)).toEqual({ source: 'internal', host: 'www.soso-calypso.ru' });
    expect(classifyReferrer('', SITE)).toEqual({ source: 'direct', host: '' });
  });

  it('lets the site own a name that would otherwise be a search engine or social network', () => {
    expect(classifyReferrer('vk.com', ['vk.com']).source).toBe('internal');
    expect(classifyReferrer('vk.com', []).source).toBe('social');
  });

  it('matches a site name given with www. or in upper case', () => {
    expect(classifyReferrer('soso-calypso.ru', ['WWW.Soso-Calypso.ru']).source).toBe('internal');
  });
});
