import { describe, expect, it } from 'vitest';
import { createGeoLookup, truncateIp } from '../../src/privacy/geoIp.ts';

describe('truncateIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['77.88.55.88', '77.88.55.0'],
    ['8.8.8.8', '8.8.8.0'],
    ['10.1.2.255', '10.1.2.0'],
    [' 192.168.1.20 ', '192.168.1.0'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1::'],
    ['2001:0DB8:0001:ffff::1', '2001:db8:1::'],
    ['2a02:6b8::2:242', '2a02:6b8::'],
    ['2a02:6b8:0:1::feed', '2a02:6b8::'],
    ['2001:0:0:1::', '2001::'],
    ['::1', '::'],
    ['fe80::1%eth0', 'fe80::'],
    ['[2001:db8:abcd:12::1]', '2001:db8:abcd::'],
    ['::ffff:1.2.3.4', '1.2.3.0'],
    ['::FFFF:77.88.55.88', '77.88.55.0'],
    ['::ffff:0102:0304', '1.2.3.0'],
    ['64:ff9b::1.2.3.4', '64:ff9b::'],
  ])('%s → %s', (ip, network) => {
    expect(truncateIp(ip)).toBe(network);
  });

  it.each(['', 'localhost', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4/24', '2001:db8::1::2', '2001:db8:g::1', '12345::', 'example.com'])(
    'refuses %j',
    (ip) => {
      expect(truncateIp(ip)).toBe('');
    },
  );
});

describe('createGeoLookup', () => {
  const lookup = createGeoLookup();

  it('locates well-known public addresses in their countries', () => {
    expect(lookup('77.88.55.88').country).toBe('RU'); // Yandex
    expect(lookup('87.250.250.242').country).toBe('RU'); // ya.ru
    expect(lookup('8.8.8.8').country).toBe('US'); // Google Public DNS
    expect(lookup('193.0.6.139').country).toBe('NL'); // RIPE NCC, Amsterdam
    expect(lookup('2a02:6b8::2:242').country).toBe('RU'); // Yandex over IPv6
    expect(lookup('2001:67c:2e8:22::c100:68b').country).toBe('NL'); // RIPE NCC over IPv6
  });

  it('gives a region where the database has one', () => {
    const yandex = lookup('77.88.55.88');
    expect(yandex.region).not.toBe('');
    expect(yandex.region).not.toMatch(/\d/);
    // A RIPE NCC address is in the Netherlands' North Holland in every release so far.
    expect(lookup('193.0.6.139')).toEqual({ country: 'NL', region: 'North Holland' });
  });

  it('treats an IPv4-mapped IPv6 address as its IPv4', () => {
    expect(lookup('::ffff:77.88.55.88')).toEqual(lookup('77.88.55.88'));
    expect(lookup('::ffff:77.88.55.88').country).toBe('RU');
  });

  it.each([
    '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '127.0.0.1', '169.254.10.10', '100.64.0.1',
    '0.0.0.0', '255.255.255.255', '224.0.0.251', '192.0.2.1', '198.51.100.7', '203.0.113.9',
    '::1', '::', 'fe80::1', 'fd12:3456:789a::1', 'ff02::1', '2001:db8::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1',
  ])('has no location for the non-public address %s', (ip) => {
    expect(lookup(ip)).toEqual({ country: '', region: '' });
  });

  it('has no location for what is not an IP address', () => {
    expect(lookup('')).toEqual({ country: '', region: '' });
    expect(lookup('not an ip')).toEqual({ country: '', region: '' });
    expect(lookup('999.1.1.1')).toEqual({ country: '', region: '' });
  });
});
