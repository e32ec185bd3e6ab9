// Whether a dashboard request is same-origin, and whether it came over HTTPS (the cookie's Secure flag).
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createRequestOrigin } from '../../src/dashboard/origin.ts';

const request = (headers: Record<string, string>, peer = '127.0.0.1') => ({ headers: { host: 'calypso.example:4000', ...headers }, socket: { remoteAddress: peer } }) as unknown as IncomingMessage;

describe('request origin', () => {
  const direct = createRequestOrigin([]);
  const proxied = createRequestOrigin(['10.0.0.0/8']);

  it.each([
    [{ 'sec-fetch-site': 'same-origin' }, true],
    [{ 'sec-fetch-site': 'none' }, true],
    [{ 'sec-fetch-site': 'same-site' }, false],
    [{ 'sec-fetch-site': 'cross-site' }, false],
    // Sec-Fetch-Site decides when sent, whatever Origin says.
    [{ 'sec-fetch-site': 'cross-site', origin: 'http://calypso.example:4000' }, false],
    [{ origin: 'http://calypso.example:4000' }, true],
    [{ origin: 'HTTP://Calypso.Example:4000' }, true],
    [{ origin: 'https://calypso.example:4000' }, false],
    [{ origin: 'http://calypso.example:4001' }, false],
    [{ origin: 'http://evil.example' }, false],
    [{ origin: 'null' }, false],
    [{}, true],
  ])('%j is same-origin: %s', (headers, same) => {
    expect(direct.sameOrigin(request(headers))).toBe(same);
  });

  it('believes X-Forwarded-Proto and X-Forwarded-Host only from a trusted proxy', () => {
    const fromProxy = request({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'stats.example', origin: 'https://stats.example' }, '10.1.2.3');
    expect(proxied.https(fromProxy)).toBe(true);
    expect(proxied.sameOrigin(fromProxy)).toBe(true);
    const fromClient = request({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'stats.example', origin: 'https://stats.example' }, '192.0.2.1');
    expect(proxied.https(fromClient)).toBe(false);
    expect(proxied.sameOrigin(fromClient)).toBe(false);
    expect(direct.https(request({ 'x-forwarded-proto': 'https' }, '10.1.2.3'))).toBe(false);
    expect(proxied.https(request({ 'x-forwarded-proto': 'http' }, '10.1.2.3'))).toBe(false);
  });
});
