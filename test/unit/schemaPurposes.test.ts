// The purpose walk over the real SDL: every field declares purposes, and every root field is refused
// for every purpose it does not declare, with the check done by the schema and not by the resolvers.
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  execute,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  parse,
  type ExecutionResult,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import type { ApiKey } from '../../src/access/apiKey.ts';
import { declaredPurposes, enforcePurposes, SchemaPurposeError } from '../../src/access/enforcePurposes.ts';
import { PURPOSES, type Purpose } from '../../src/access/purposes.ts';
import { AuditTrail } from '../../src/audit/auditTrail.ts';
import { readSdl } from '../../src/graphql/buildSchema.ts';
import type { RequestContext } from '../../src/graphql/requestContext.ts';

// Plausible fake values; no store behind them.
const SITE = { id: 'shop', name: 'Shop', hostnames: ['shop.example'], timezone: 'UTC', kAnonymity: 10, retentionDays: 395, defaultConsent: { statistics: true, personalization: false, advertising: false, thirdParty: false }, createdAt: '2026-11-01T00:00:00.000Z' };
const KEY = { id: 'key_1', name: 'dashboard', purposes: ['STATISTICS'], sites: ['shop'], allSites: false, createdAt: '2026-11-01T00:00:00.000Z', revokedAt: null };
const CONSENT = { statistics: true, personalization: false, advertising: false, thirdParty: false };
const CHANGE = { time: '2026-11-01T00:00:00.000Z', source: 'counter', before: null, after: CONSENT };
const EVENT = {
  ...Object.fromEntries(['type', 'name', 'host', 'path', 'referrerSource', 'referrerHost', 'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'browser', 'os', 'device', 'screen', 'language', 'country', 'region'].map((k) => [k, 'x'])),
  time: '2026-11-01T00:00:00.000Z',
  bot: false,
  consent: CONSENT,
  engagementMs: 0,
  props: {},
};
const SEGMENT = { id: 'seg_1', site: 'shop', name: 'Buyers', rule: { lastSeen: { withinDays: 7 } }, version: 1, refreshEveryMinutes: 15, size: 40, refreshedAt: '2026-11-01T00:00:00.000Z', status: 'LIVE', error: null };
const resolvers = {
  Query: {
    segments: () => [SEGMENT],
    segment: () => SEGMENT,
    segmentHistory: () => [{ ...SEGMENT, deleted: false, changedAt: '2026-11-01T00:00:00.000Z' }],
    segmentOverlap: () => ({ a: 'seg_1', b: 'seg_2', size: 12 }),
    segmentsForCookie: () => ['seg_1'],
    segmentsForCookies: () => [{ cookieId: 'c1', segments: ['seg_1'] }],
    personalization: () => ({ allowed: true, segments: ['seg_1'] }),
    consent: () => CONSENT,
    exportSubject: () => ({ events: [EVENT], consent: CONSENT, consentLog: [CHANGE], segments: ['seg_1'], legalHold: false }),
    legalHold: () => ({ erasures: [{ id: 'era_1', erasedAt: '2026-11-01T00:00:00.000Z', heldUntil: '2027-11-01T00:00:00.000Z', reason: 'request' }], events: [EVENT], consent: CONSENT, consentLog: [CHANGE], segments: [] }),
    retentionReport: () => [{ table: 'events', oldest: null, rows: 0, policy: '395 days' }],
    sites: () => [SITE],
    stats: () => ({ rows: [{ page: '/', visitors: 30, pageviews: 120 }], totals: { pageviews: 120, visitors: 30 }, suppressedRows: 0 }),
    apiKeys: () => [KEY],
    realtime: () => ({ visitors: 12, topPages: [{ page: '/', visitors: 11 }] }),
    privacyNotice: () => ({ contact: null, records: [{ table: '`events`', holds: 'hits', kept: '395 days', why: 'statistics' }] }),
    auditLog: () => [{ time: '2026-11-01T00:00:00.000Z', keyId: 'key_1', purpose: 'STATISTICS', operation: 'Q', fields: ['Query.stats'], sites: ['shop'], outcome: 'allowed', code: null, rows: 1, durationMs: 3 }],
  },
  Mutation: {
    createSite: () => SITE,
    updateSite: () => SITE,
    createApiKey: () => ({ id: 'key_2', secret: 'cly_fake', key: KEY }),
    revokeApiKey: () => true,
    defineSegment: () => SEGMENT,
    updateSegment: () => SEGMENT,
    deleteSegment: () => true,
    refreshSegment: () => SEGMENT,
    setConsent: () => CONSENT,
    eraseSubject: () => ({ id: 'era_1', erasedAt: '2026-11-01T00:00:00.000Z', eventsErased: 3, heldUntil: '2027-11-01T00:00:00.000Z', contact: null }),
    exportSegment: () => ({ segment: 'seg_1', recipient: 'partner', version: '1', ids: ['0123456789abcdef'], createdAt: '2026-11-01T00:00:00.000Z' }),
  },
};

const schema = enforcePurposes(makeExecutableSchema({ typeDefs: readSdl(), resolvers }));
const declared = declaredPurposes(schema);

/** A sample literal for a required argument. */
function sample(type: GraphQLInputType, arg: string): string {
  if (isNonNullType(type)) return sample(type.ofType, arg);
  if (isListType(type)) return `[${sample(type.ofType, arg)}]`;
  if (isInputObjectType(type) && type.name === 'SegmentRuleInput') return '{ lastSeen: { withinDays: 7 } }';
  if (isInputObjectType(type) && type.name === 'ConsentInput') return '{ statistics: true }';
  if (isEnumType(type)) return type.getValues()[0]?.name ?? '';
  if (isScalarType(type) && type.name === 'Int') return '1';
  if (isScalarType(type) && (type.name === 'ID' || type.name === 'String')) return JSON.stringify(arg === 'from' || arg === 'to' ? '2026-11-01' : 'shop');
  throw new Error(`no sample value for ${String(type)} (argument ${arg})`);
}

function argsOf(field: GraphQLField<unknown, unknown>): string {
  // A site argument is always given, optional or not (createApiKey's `sites`): the site check reads it.
  const required = field.args.filter((a) => (isNonNullType(a.type) && a.defaultValue === undefined) || a.name === 'site' || a.name === 'sites');
  return required.length === 0 ? '' : `(${required.map((a) => `${a.name}: ${sample(a.type, a.name)}`).join(', ')})`;
}

/** Every leaf of the return type, recursing into object fields. */
function selectionOf(type: GraphQLOutputType, depth = 0): string {
  const named = getNamedType(type);
  if (!isObjectType(named)) return '';
  if (depth > 8) throw new Error(`selection too deep at ${named.name}`);
  return `{ ${Object.values(named.getFields())
    .map((f) => `${f.name}${argsOf(f)} ${selectionOf(f.type, depth + 1)}`)
    .join(' ')} }`;
}

const roots = (['Query', 'Mutation'] as const).flatMap((op) => {
  const type = op === 'Query' ? schema.getQueryType() : schema.getMutationType();
  return Object.values(type?.getFields() ?? {}).map((field) => ({ op, field }));
});

function documentFor(op: 'Query' | 'Mutation', field: GraphQLField<unknown, unknown>): string {
  return `${op === 'Query' ? 'query' : 'mutation'} { ${field.name}${argsOf(field)} ${selectionOf(field.type)} }`;
}

async function run(s: GraphQLSchema, source: string, purpose: Purpose, sites: ApiKey['sites'] = '*'): Promise<{ result: ExecutionResult; audit: AuditTrail }> {
  const key: ApiKey = { id: 'k', name: 'k', purposes: [...PURPOSES], sites, createdAt: '', revokedAt: null };
  const audit = new AuditTrail();
  const contextValue: RequestContext = { access: { auth: { kind: 'ok', key }, purpose, purposeText: purpose }, audit, response: {} };
  const result = await execute({ schema: s, document: parse(source), contextValue });
  return { result, audit };
}

const codes = (r: ExecutionResult) => (r.errors ?? []).map((e) => e.extensions.code);

describe('the real SDL', () => {
  it('declares at least one purpose on every field of every object type', () => {
    const ast = parse(readSdl());
    const coordinates: string[] = [];
    for (const def of ast.definitions) {
      if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
      for (const f of def.fields ?? []) {
        const coordinate = `${def.name.value}.${f.name.value}`;
        coordinates.push(coordinate);
        const allow = f.directives?.find((d) => d.name.value === 'purpose')?.arguments?.find((a) => a.name.value === 'allow')?.value;
        expect(allow?.kind === Kind.LIST && allow.values.length > 0, `${coordinate} has @purpose(allow: [...])`).toBe(true);
        expect(declared.get(coordinate)?.size ?? 0, coordinate).toBeGreaterThan(0);
      }
    }
    expect(coordinates.length).toBeGreaterThan(10);
    expect([...declared.keys()].sort()).toEqual([...coordinates].sort());
    expect([...(declared.get('Query.stats') ?? [])]).toEqual(['STATISTICS']);
  });

  it('covers every root field with the stub resolvers used below', () => {
    expect(roots.map((r) => `${r.op}.${r.field.name}`).sort()).toEqual(
      Object.entries(resolvers)
        .flatMap(([op, fields]) => Object.keys(fields).map((f) => `${op}.${f}`))
        .sort(),
    );
  });
});

describe('enforcePurposes on a field without @purpose', () => {
  const sdl = (thing: string) => `
    directive @purpose(allow: [Purpose!]!) on FIELD_DEFINITION
    enum Purpose { STATISTICS ADMINISTRATION }
    type Query { things: [Thing!]! @purpose(allow: [STATISTICS, ADMINISTRATION]) }
    type Thing { ${thing} }`;

  it('refuses to build, naming Type.field and only it', () => {
    const s = makeExecutableSchema({ typeDefs: sdl('id: ID! @purpose(allow: [STATISTICS]) bare: String') });
    expect(() => enforcePurposes(s)).toThrow(SchemaPurposeError);
    expect(() => enforcePurposes(s)).toThrow(/missing on Thing\.bare$/);
  });

  it('treats an empty allow list as missing', () => {
    const s = makeExecutableSchema({ typeDefs: sdl('id: ID! @purpose(allow: [])') });
    expect(() => enforcePurposes(s)).toThrow(/missing on Thing\.id$/);
  });

  it('checks nested fields too: a narrower nested field is refused on its own', async () => {
    const s = enforcePurposes(
      makeExecutableSchema({
        typeDefs: sdl('id: ID! @purpose(allow: [STATISTICS, ADMINISTRATION]) secret: String @purpose(allow: [ADMINISTRATION])'),
        resolvers: { Query: { things: () => [{ id: 't1', secret: 's3cret' }] } },
      }),
    );
    const { result } = await run(s, '{ things { id secret } }', 'STATISTICS');
    expect(result.data).toEqual({ things: [{ id: 't1', secret: null }] });
    expect(codes(result)).toEqual(['PURPOSE_NOT_ALLOWED']);
    expect(result.errors?.[0]?.path).toEqual(['things', 0, 'secret']);
    expect((await run(s, '{ things { id secret } }', 'ADMINISTRATION')).result).toEqual({ data: { things: [{ id: 't1', secret: 's3cret' }] } });
  });
});

describe('every root field under every purpose', () => {
  const cases = roots.flatMap(({ op, field }) => PURPOSES.map((purpose) => ({ op, field, purpose, name: `${op}.${field.name} as ${purpose}` })));

  it.each(cases)('$name', async ({ op, field, purpose }) => {
    const coordinate = `${op}.${field.name}`;
    const allowed = declared.get(coordinate);
    expect(allowed).toBeDefined();
    const { result, audit } = await run(schema, documentFor(op, field), purpose);
    const row = audit.toRow('k', purpose, 'op', 0, undefined);
    expect(row.fields).toContain(coordinate);
    if (allowed?.has(purpose)) {
      expect(codes(result)).not.toContain('PURPOSE_NOT_ALLOWED');
      expect(result.errors).toBeUndefined();
      expect(result.data?.[field.name]).toBeTruthy();
      expect(row.outcome).toBe('allowed');
    } else {
      expect(codes(result)).toEqual(['PURPOSE_NOT_ALLOWED']);
      expect(result.errors?.[0]?.path).toEqual([field.name]);
      expect(result.data === null || result.data?.[field.name] === null).toBe(true);
      expect(row).toMatchObject({ outcome: 'denied', code: 'PURPOSE_NOT_ALLOWED' });
    }
  });
});

describe('a key without the site', () => {
  const namesSites = (f: GraphQLField<unknown, unknown>) => f.args.some((a) => a.name === 'site' || a.name === 'sites');
  const withSite = roots.filter(({ field }) => namesSites(field));

  it('exists in the schema: some root fields name a site', () => {
    expect(withSite.map(({ field }) => field.name)).toContain('stats');
  });

  it.each(roots.map((r) => ({ ...r, name: `${r.op}.${r.field.name}` })))('$name', async ({ op, field }) => {
    const purpose = [...(declared.get(`${op}.${field.name}`) ?? [])][0];
    expect(purpose).toBeDefined();
    const document = documentFor(op, field);
    const outside = (await run(schema, document, purpose!, ['other'])).result;
    if (namesSites(field)) {
      expect(codes(outside)).toEqual(['FORBIDDEN']);
      expect(outside.data === null || outside.data?.[field.name] === null).toBe(true);
      const inside = (await run(schema, document, purpose!, ['shop'])).result;
      expect(inside.errors).toBeUndefined();
    } else {
      expect(codes(outside)).not.toContain('FORBIDDEN');
      expect(outside.errors).toBeUndefined();
    }
  });
});
