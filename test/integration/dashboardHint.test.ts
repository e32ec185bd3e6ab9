// The dashboard's sign-in hint (src/dashboard/sessionRoutes.ts): a readable cookie set at sign-in,
// renewed by GET /session, cleared at sign-out and when the session is gone, naming the key's purposes
// and until when the session may be live; never the secret nor the session id, and it grants nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteWithKey, startTestService, type TestService } from '../support/testService.ts';

const SESSION = { 'x-calypso-session': '1' };
const IDLE_MINUTES = 30;

/** Each Set-Cookie of an answer, by cookie name: its value and its attributes. */
function cookiesOf(res: Response): Map<string, { value: string; attrs: string[] }> {
  return new Map(
    res.headers.getSetCookie().map((c) => {
      const [first, ...attrs] = c.split(';').map((p) => p.trim());
      const eq = first!.indexOf('=');
      return [first!.slice(0, eq), { value: first!.slice(eq + 1), attrs }];
    }),
  );
}

describe('the sign-in hint cookie', () => {
  let svc: TestService;
  let secret: string;
  beforeAll(async () => {
    svc = await startTestService({ env: { CALYPSO_SESSION_IDLE_MINUTES: String(IDLE_MINUTES) } });
    secret = await siteWithKey(svc, 'hinted', ['STATISTICS', 'ADVERTISING']);
  }, 60_000);
  afterAll(() => svc?.stop());

  const signIn = async () => {
    const before = Date.now();
    const res = await fetch(`${svc.url}/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...SESSION }, body: JSON.stringify({ key: secret }) });
    expect(res.status).toBe(200);
    const cookies = cookiesOf(res);
    return { before, cookies, session: `calypso_session=${cookies.get('calypso_session')!.value}`, hint: `calypso_hint=${cookies.get('calypso_hint')!.value}` };
  };

  it('is set at sign-in beside the session: readable by the page, SameSite=Strict, for the browser session, holding only when and the purposes', async () => {
    const { before, cookies } = await signIn();
    const hint = cookies.get('calypso_hint')!;
    expect(hint.attrs).toEqual(expect.arrayContaining(['SameSite=Strict', 'Path=/']));
    expect(hint.attrs).not.toContain('HttpOnly');
    expect(hint.attrs.some((a) => /^(max-age|expires)=/i.test(a))).toBe(false);
    const m = /^(\d+):([A-Z_.]+)$/.exec(hint.value)!;
    expect(m).not.toBeNull();
    expect(m[2]!.split('.').sort()).toEqual(['ADVERTISING', 'STATISTICS']);
    // Short of the idle time by two minutes (the store's lazy renewal, and the clocks' skew).
    const until = Number(m[1]);
    expect(until).toBeGreaterThanOrEqual(before + IDLE_MINUTES * 60_000 - 120_000);
    expect(until).toBeLessThanOrEqual(Date.now() + IDLE_MINUTES * 60_000 - 120_000);
    // Nothing secret: neither the key's secret nor the session id.
    expect(hint.value).not.toContain(secret);
    expect(hint.value).not.toContain(cookies.get('calypso_session')!.value);
  });

  it('is renewed by GET /session while the session lives, and cleared with it at sign-out', async () => {
    const s = await signIn();
    const get = await fetch(`${svc.url}/session`, { headers: { cookie: `${s.session}; ${s.hint}`, ...SESSION } });
    expect(((await get.json()) as { session: { purposes: string[] } }).session.purposes).toContain('STATISTICS');
    expect(cookiesOf(get).get('calypso_hint')?.value).toMatch(/^\d+:[A-Z_.]+$/);
    expect(cookiesOf(get).has('calypso_session')).toBe(false);
    const del = await fetch(`${svc.url}/session`, { method: 'DELETE', headers: { cookie: `${s.session}; ${s.hint}`, ...SESSION } });
    expect(del.status).toBe(204);
    const cleared = cookiesOf(del);
    expect(cleared.get('calypso_hint')).toEqual({ value: '', attrs: expect.arrayContaining(['Max-Age=0', 'Path=/']) });
    expect(cleared.get('calypso_session')?.attrs).toContain('Max-Age=0');
    // The ended session's cookies again (a stale tab): no session, both cleared.
    const after = await fetch(`${svc.url}/session`, { headers: { cookie: `${s.session}; ${s.hint}`, ...SESSION } });
    expect(await after.json()).toEqual({ session: null });
    expect(cookiesOf(after).get('calypso_hint')?.attrs).toContain('Max-Age=0');
  });

  it('a hint without a session is cleared; a browser with neither gets no cookie', async () => {
    const s = await signIn();
    const alone = await fetch(`${svc.url}/session`, { headers: { cookie: s.hint, ...SESSION } });
    expect(await alone.json()).toEqual({ session: null });
    expect(cookiesOf(alone).get('calypso_hint')?.attrs).toContain('Max-Age=0');
    const none = await fetch(`${svc.url}/session`, { headers: SESSION });
    expect(await none.json()).toEqual({ session: null });
    expect(none.headers.getSetCookie()).toEqual([]);
  });

  it('grants nothing: /graphql with the hint alone is refused (401), with the session as well it answers', async () => {
    const s = await signIn();
    const gql = (cookie: string) =>
      fetch(`${svc.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-calypso-purpose': 'STATISTICS', 'sec-fetch-site': 'same-origin' },
        body: JSON.stringify({ query: '{ sites { id } }' }),
      });
    expect((await gql(s.hint)).status).toBe(401);
    const both = await gql(`${s.session}; ${s.hint}`);
    expect(both.status).toBe(200);
    expect(((await both.json()) as { data: { sites: Array<{ id: string }> } }).data.sites).toEqual([{ id: 'hinted' }]);
  });
});
