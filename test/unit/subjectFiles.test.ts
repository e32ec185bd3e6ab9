// The subject screen's downloads are built in the browser from the GraphQL answer: the CSV must be the
// server's own (GET /v1/subjects/export?format=csv) byte for byte, the JSON the same document.
import { describe, expect, it } from 'vitest';
import { fromFlags } from '../../src/consent/consentFlags.ts';
import type { StoredEvent } from '../../src/subjects/subjectData.ts';
import { eventsCsv as serverCsv, eventView } from '../../src/subjects/subjectView.ts';
import type { LegalHoldRecord, SubjectEvent, SubjectExport } from '../../web/screens/subjects/subjectApi.ts';
import { eventsCsv, legalHoldJsonFile, subjectCsvFile, subjectJsonFile } from '../../web/screens/subjects/subjectFiles.ts';

function stored(over: Partial<StoredEvent>): StoredEvent {
  return {
    ts: '2026-03-01 10:15:30.250',
    type: 'pageview',
    name: '',
    host: 'shop.example',
    path: '/',
    referrer_source: 'search',
    referrer_host: 'ya.ru',
    utm_source: '',
    utm_medium: '',
    utm_campaign: '',
    utm_term: '',
    utm_content: '',
    browser: 'Firefox',
    os: 'Linux',
    device: 'desktop',
    screen: 'l',
    language: 'ru',
    country: 'RU',
    region: 'MOW',
    is_bot: 0,
    consent: 0b0101,
    engagement_ms: 1200,
    props: {},
    ...over,
  };
}

const ROWS: StoredEvent[] = [
  stored({}),
  // Every character CSV must quote, in the columns a visitor controls.
  stored({ type: 'event', name: 'signup, "pro"', path: '/a,b', utm_campaign: 'spring\r\nsale', props: { plan: 'pro "x"', n: '1' }, is_bot: 1, consent: 0b1111 }),
  stored({ consent: 0, engagement_ms: 0, language: '' }),
  // Text a spreadsheet would run as a formula (CSV injection): a path and a prop are whatever a visitor sent.
  stored({ path: '=HYPERLINK("http://evil.example")', name: '+1', utm_source: '-x', props: { a: '@SUM(A1)' } }),
];
// What the screen holds: exactly what GraphQL answers (eventView is the resolver's mapping).
const EVENTS = ROWS.map(eventView) as SubjectEvent[];

describe('subject downloads', () => {
  it("the CSV equals the server's export byte for byte", () => {
    expect(eventsCsv(EVENTS)).toBe(serverCsv(ROWS));
    expect(eventsCsv([])).toBe(serverCsv([]));
  });

  it('the CSV quotes commas, quotes and line breaks (RFC 4180) and writes consent as its flags', () => {
    const lines = eventsCsv(EVENTS).split('\r\n');
    expect(lines[0]).toBe('time,type,name,host,path,referrerSource,referrerHost,utmSource,utmMedium,utmCampaign,utmTerm,utmContent,browser,os,device,screen,language,country,region,bot,consent,engagementMs,props');
    expect(eventsCsv(EVENTS)).toContain('"signup, ""pro"""');
    expect(eventsCsv(EVENTS)).toContain('"spring\r\nsale"');
    expect(eventsCsv(EVENTS)).toContain(',true,statistics personalization advertising thirdParty,1200,"{""plan"":""pro \\""x\\"""",""n"":""1""}"');
    expect(lines.at(-1)).toBe('');
  });

  it('prefixes text a spreadsheet would run as a formula with a quote, on both sides', () => {
    const csv = eventsCsv(EVENTS);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(csv).toContain(",'+1,");
    expect(csv).toContain(",'-x,");
    expect(csv).not.toMatch(/(^|,)[=+@]/m);
    expect(csv).toBe(serverCsv(ROWS));
  });

  it('the JSON is the export document with its keys in the server order; file names carry site and day', () => {
    const exp: SubjectExport = { legalHold: true, segments: ['s1'], consentLog: [{ time: '2026-03-01T10:00:00.000Z', source: 'api', before: null, after: fromFlags(1) }], consent: fromFlags(5), events: EVENTS };
    const now = new Date('2026-03-02T23:30:00Z');
    const json = subjectJsonFile('shop', exp, now);
    expect(json.name).toBe('subject-shop-2026-03-02.json');
    expect(json.type).toBe('application/json');
    expect(Object.keys(JSON.parse(json.content) as object)).toEqual(['events', 'consent', 'consentLog', 'segments', 'legalHold']);
    expect(JSON.parse(json.content)).toEqual(JSON.parse(JSON.stringify(exp)));
    const csv = subjectCsvFile('shop', exp, now);
    expect(csv).toMatchObject({ name: 'subject-shop-2026-03-02.csv', type: 'text/csv;charset=utf-8' });
    expect(csv.content).toBe(serverCsv(ROWS));
  });

  it('a site id cannot put a path or odd characters into a file name', () => {
    const exp: SubjectExport = { events: [], consent: null, consentLog: [], segments: [], legalHold: false };
    expect(subjectJsonFile('../etc/"x"', exp, new Date('2026-01-01T00:00:00Z')).name).toBe('subject-.._etc__x_-2026-01-01.json');
  });

  it('the legal-hold file names the basis, the time it was retrieved and everything held', () => {
    const held: LegalHoldRecord = { erasures: [{ id: 'e1', erasedAt: '2026-03-01T10:00:00.000Z', heldUntil: '2026-09-01T10:00:00.000Z', reason: 'ticket 7' }], events: EVENTS, consent: fromFlags(1), consentLog: [], segments: [] };
    const f = legalHoldJsonFile('shop', 'court order 12/3', held, new Date('2026-03-05T08:00:00Z'));
    expect(f.name).toBe('legal-hold-shop-2026-03-05.json');
    expect(JSON.parse(f.content)).toEqual({ site: 'shop', basis: 'court order 12/3', retrievedAt: '2026-03-05T08:00:00.000Z', ...JSON.parse(JSON.stringify(held)) });
  });
});
