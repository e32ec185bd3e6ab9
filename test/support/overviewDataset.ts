// A small known dataset for the overview's browser test (and for looking at the screen by hand): one
// site (Europe/Moscow, k = 2), hits imported at fixed days relative to today so "last 7 days" and its
// previous period both hold data, and a row below k in several panels.
import { BROWSER_UA, importNdjson, type TestService } from './testService.ts';

export const OVERVIEW_SITE = 'shop';

const dayAgo = (n: number, hhmm: string) => Date.parse(`${new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10)}T${hhmm}:00Z`);

function hits() {
  const h = (cid: string, ago: number, hhmm: string, path: string, extra: Record<string, unknown> = {}) => ({
    site: OVERVIEW_SITE,
    url: `https://shop.example${path}`,
    ts: dayAgo(ago, hhmm),
    cid,
    ua: BROWSER_UA,
    ip: '198.51.100.7',
    ...extra,
  });
  const out: Array<Record<string, unknown>> = [];
  // Every visitor but the lone one comes with a twin, so its rows reach k = 2.
  for (const twin of ['', '-2']) {
    out.push(
      h(`A${twin}`, 2, '09:00', '/home', { referrer: 'https://yandex.ru/search/?text=shop' }),
      h(`A${twin}`, 2, '09:03', '/pricing'),
      h(`A${twin}`, 2, '09:07', '/checkout'),
      h(`B${twin}`, 3, '14:00', '/home?utm_source=vk&utm_medium=social&utm_campaign=winter', { referrer: 'https://vk.com/feed' }),
      h(`B${twin}`, 3, '14:01', '/home', { type: 'event', name: 'signup' }),
      h(`D${twin}`, 9, '10:00', '/home'),
      h(`D${twin}`, 9, '10:02', '/pricing'),
      h(`E${twin}`, 10, '11:00', '/home'),
    );
  }
  // A lone visitor: its page and source rows stay under k and are counted as suppressed.
  out.push(h('C', 2, '18:00', '/about', { referrer: 'https://news.example/story' }));
  return out;
}

/** Creates the site, imports the hits, and returns a STATISTICS key for it. */
export async function loadOverviewDataset(svc: TestService): Promise<string> {
  const made = await svc.gql(svc.adminKey, 'ADMINISTRATION', `mutation { createSite(id: "${OVERVIEW_SITE}", name: "Shop", hostnames: ["shop.example"], timezone: "Europe/Moscow", kAnonymity: 2) { id } }`);
  if (made.errors !== undefined) throw new Error(JSON.stringify(made.errors));
  const body = hits();
  const answer = await importNdjson(svc, body);
  if (answer.accepted !== body.length) throw new Error(`import: ${JSON.stringify(answer)}`);
  const key = await svc.gql<{ createApiKey: { secret: string } }>(svc.adminKey, 'ADMINISTRATION', `mutation { createApiKey(name: "overview", purposes: [STATISTICS], sites: ["${OVERVIEW_SITE}"]) { secret } }`);
  if (key.data === null) throw new Error(JSON.stringify(key.errors));
  await svc.flush();
  return key.data.createApiKey.secret;
}
