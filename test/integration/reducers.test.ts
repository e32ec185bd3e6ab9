import { describe, expect, it } from 'vitest';
import { createReducers } from '../../src/privacy/reducers.ts';
import type { Pseudonymiser } from '../../src/privacy/pseudonymiser.ts';

// (An integration test: the lookup reads the packaged country database.)
// The geo reduction is looked up once per request's traits object; no address outlives its request.
describe('reducers.geo', () => {
  const reducers = createReducers({} as Pseudonymiser);

  it('answers each request by its own address, however requests interleave', () => {
    const ru = { ip: '77.88.55.88' };
    const us = { ip: '8.8.8.8' };
    expect(reducers.geo(ru).country).toBe('RU');
    expect(reducers.geo(us).country).toBe('US');
    expect(reducers.geo(ru).country).toBe('RU');
    // A new request from another address, as a reused object would not be: its own answer.
    expect(reducers.geo({ ip: '193.0.6.139' }).country).toBe('NL');
  });

  it('gives the events of one request the same answer', () => {
    const req = { ip: '2a02:6b8::2:242' };
    expect(reducers.geo(req)).toBe(reducers.geo(req));
    expect(reducers.geo(req).country).toBe('RU');
  });
});

describe('reducers.userAgent', () => {
  const reducers = createReducers({} as Pseudonymiser);
  const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
  const CURL = 'curl/8.5.0';

  it('answers each request by its own user agent, once per request', () => {
    const a = { userAgent: FIREFOX };
    const b = { userAgent: CURL };
    expect(reducers.userAgent(a)).toMatchObject({ browser: 'Firefox', isBot: false });
    expect(reducers.userAgent(b)).toMatchObject({ isBot: true });
    expect(reducers.userAgent(a)).toBe(reducers.userAgent(a));
    expect(reducers.userAgent({ userAgent: CURL }).isBot).toBe(true);
  });

  it("keeps a request's address and user agent apart in its scratch", () => {
    const req = { ip: '77.88.55.88', userAgent: FIREFOX };
    expect(reducers.geo(req).country).toBe('RU');
    expect(reducers.userAgent(req).browser).toBe('Firefox');
    expect(reducers.geo(req).country).toBe('RU');
  });
});
