// Keys bound to sites act only within them (policy 3.2, 6.1). The authorisation matrix walks every root
// field of the real schema with a key bound to site A (every purpose) aimed at site B's things, and the
// same document with a key that reaches B as the control: nothing of B is readable or changeable by A's.
import { makeExecutableSchema } from '@graphql-tools/schema';
import { getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isObjectType, isScalarType, type GraphQLField, type GraphQLInputType, type GraphQLOutputType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PURPOSES } from '../../src/access/purposes.ts';
import { declaredPurposes } from '../../src/access/enforcePurposes.ts';
import { readSdl } from '../../src/graphql/buildSchema.ts';
import { BROWSER_UA, eventually, startTestService, type TestService } from '../support/testService.ts';

const A = 'site-ay';
const B = 'site-bee';
const NEW_SITE = 'site-cee';
const schema = makeExecutableSchema({ typeDefs: readSdl() });
const declared = declaredPurposes(schema);
const roots = (['Query', 'Mutation'] as const).flatMap((op) => Object.values((op === 'Query' ? schema.getQueryType() : schema.getMutationType())?.getFields() ?? {}).map((field) => ({ op, field })));
const day = new Date().toISOString().slice(0, 10);

type Gql = { status: number; data: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };

describe('keys bound to sites', () => {
  let svc: TestService;
  let keyA: string;
  let keyB: { id: string; secret: string };
  let keyAB: string;
  let segB: string;

  const admin = (q: string, v?: Record<string, unknown>) => svc.gql<Record<string, unknown>>(svc.adminKey, 'ADMINISTRATION', q, v);
  const makeKey = async (sites: string[], purposes: readonly string[]) => {
    const r = await admin('mutation($p: [Purpose!]!, $s: [ID!]!) { createApiKey(name: "k", purposes: $p, sites: $s) { id secret } }', { p: purposes, s: sites });
    expect(r.errors).toBeUndefined();
    return (r.data as { createApiKey: { id: string; secret: string } }).createApiKey;
  };
  const codes = (r: Gql) => (r.errors ?? []).map((e) => e.extensions?.code);

  beforeAll(async () => {
    svc = await startTestService();
    for (const s of [A, B]) expect((await admin(`mutation { createSite(id: "${s}", name: "${s}", hostnames: ["${s}.example"], kAnonymity: 2) { id } }`)).errors).toBeUndefined();
    keyA = (await makeKey([A], PURPOSES)).secret;
    keyB = await makeKey([B], ['STATISTICS', 'ADMINISTRATION']);
    keyAB = (await makeKey([A, B], PURPOSES)).secret;
    const seg = await svc.gql<{ defineSegment: { id: string } }>(keyAB, 'ADMINISTRATION', `mutation { defineSegment(site: "${B}", name: "bees", rule: { lastSeen: { withinDays: 7 } }) { id } }`);
    segB = seg.data!.defineSegment.id;
    const hit = await svc.collect({ site: B, url: `https://${B}.example/`, cid: 'cookie-b', consent: { statistics: true, advertising: true, thirdParty: true } }, { 'user-agent': BROWSER_UA });
    expect(hit.status).toBe(202);
    // Audit rows about B (B's own key), about A, and global ones (no site: the admin's apiKeys, an unauthenticated request).
    await svc.gql(keyB.secret, 'STATISTICS', `{ stats(site: "${B}", from: "${day}", to: "${day}") { totals { pageviews } } }`);
    await svc.gql(keyA, 'STATISTICS', `{ stats(site: "${A}", from: "${day}", to: "${day}") { totals { pageviews } } }`);
    await admin('{ apiKeys { id } }');
    await svc.gql(undefined, 'STATISTICS', '{ sites { id } }');
    await eventually(
      () => svc.store.query<{ n: string }>("SELECT count() AS n FROM audit_log WHERE has(sites, {b:String}) AND key_id != ''", { b: B }),
      (r) => Number(r[0]?.n) > 0,
    );
    await svc.flush();
  });
  afterAll(() => svc?.stop());

  /** A sample literal aimed at B's things (site B, B's segment, B's key, a new site's id). */
  const sample = (type: GraphQLInputType, arg: string, field: string): string => {
    if (isNonNullType(type)) return sample(type.ofType, arg, field);
    if (isListType(type)) return `[${sample(type.ofType, arg, field)}]`;
    if (isInputObjectType(type) && type.name === 'SegmentRuleInput') return '{ lastSeen: { withinDays: 7 } }';
    if (isInputObjectType(type) && type.name === 'ConsentInput') return '{ statistics: false }';
    if (isEnumType(type)) return type.getValues()[0]?.name ?? '';
    if (isScalarType(type) && type.name === 'Int') return '1';
    const text = (v: string) => JSON.stringify(v);
    if (arg === 'site' || arg === 'sites') return text(B);
    if (arg === 'from' || arg === 'to') return text(day);
    if (arg === 'a' || arg === 'b') return text(segB);
    if (arg === 'id') return text(field === 'createSite' ? NEW_SITE : field === 'updateSite' ? B : field === 'revokeApiKey' ? keyB.id : segB);
    if (arg === 'hostnames') return text(`${NEW_SITE}.example`);
    if (arg === 'cookieId' || arg === 'cookieIds') return text('cookie-b');
    return text('probe');
  };
  const argsOf = (field: GraphQLField<unknown, unknown>, root: string) => {
    // A site argument is always given, optional or not (createApiKey's `sites`): it is what aims at B.
    const required = field.args.filter((a) => (isNonNullType(a.type) && a.defaultValue === undefined) || a.name === 'site' || a.name === 'sites');
    return required.length === 0 ? '' : `(${required.map((a) => `${a.name}: ${sample(a.type, a.name, root)}`).join(', ')})`;
  };
  const selectionOf = (type: GraphQLOutputType, root: string, depth = 0): string => {
    const named = getNamedType(type);
    if (!isObjectType(named) || depth > 8) return '';
    return `{ ${Object.values(named.getFields())
      .map((f) => `${f.name}${argsOf(f, root)} ${selectionOf(f.type, root, depth + 1)}`)
      .join(' ')} }`;
  };
  const documentOf = (op: 'Query' | 'Mutation', field: GraphQLField<unknown, unknown>) =>
    `${op === 'Query' ? 'query' : 'mutation'} { ${field.name}${argsOf(field, field.name)} ${selectionOf(field.type, field.name)} }`;
  const purposeOf = (coordinate: string) => {
    const allowed = [...(declared.get(coordinate) ?? [])];
    return allowed.includes('ADMINISTRATION') ? 'ADMINISTRATION' : allowed[0]!;
  };
  /** Fields whose arguments aim at B (a site, a segment of B's, B's key): refused outright. */
  const aimsAtB = (field: GraphQLField<unknown, unknown>) => field.args.some((a) => ['site', 'sites', 'id', 'a', 'b'].includes(a.name)) && field.name !== 'createSite';
  const bMarks = () => [B, keyB.id, segB, NEW_SITE];

  it('walks every root field of the schema', () => {
    expect(roots.length).toBeGreaterThan(25);
    expect(roots.map((r) => r.field.name)).toEqual(expect.arrayContaining(['apiKeys', 'revokeApiKey', 'auditLog', 'createSite', 'createApiKey', 'retentionReport', 'segments', 'exportSubject']));
  });

  it.each(roots.map((r) => ({ ...r, name: `${r.op}.${r.field.name}` })))('$name: the A-bound key reads and changes nothing of B', async ({ op, field, name }) => {
    const r = (await svc.gql(keyA, purposeOf(name), documentOf(op, field))) as Gql;
    const data = JSON.stringify(r.data ?? {});
    for (const mark of bMarks()) expect(data, `${name} answered ${mark}`).not.toContain(mark);
    if (aimsAtB(field) || field.name === 'createSite') {
      expect(codes(r).length, `${name} was refused`).toBeGreaterThan(0);
      for (const c of codes(r)) expect(['FORBIDDEN', 'NOT_FOUND']).toContain(c);
    } else {
      expect(r.errors, name).toBeUndefined();
    }
  });

  it('left all of B as it was: its key live, its segment, its data; no new site', async () => {
    expect((await svc.gql(keyB.secret, 'STATISTICS', '{ sites { id } }')).errors).toBeUndefined();
    const seg = await svc.gql<{ segment: { id: string } | null }>(keyAB, 'ADVERTISING', `{ segment(id: "${segB}") { id } }`);
    expect(seg.data?.segment?.id).toBe(segB);
    const sites = await admin('{ sites { id } }');
    expect((sites.data as { sites: Array<{ id: string }> }).sites.map((s) => s.id).sort()).toEqual([A, B]);
    const events = await svc.store.query<{ n: string }>('SELECT count() AS n FROM events WHERE site = {b:String}', { b: B });
    expect(Number(events[0]?.n)).toBe(1);
  });

  it('the auditLog of the A-bound key holds only rows about A: no row of B, none without a site', async () => {
    const r = await svc.gql<{ auditLog: Array<{ sites: string[]; keyId: string }> }>(keyA, 'ADMINISTRATION', `{ auditLog(from: "${day}", to: "${day}", limit: 10000) { sites keyId } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data!.auditLog.length).toBeGreaterThan(0);
    for (const row of r.data!.auditLog) {
      expect(row.sites.length).toBeGreaterThan(0);
      for (const s of row.sites) expect(s).toBe(A);
    }
    const all = await admin(`{ auditLog(from: "${day}", to: "${day}", limit: 10000) { sites } }`);
    const rows = (all.data as { auditLog: Array<{ sites: string[] }> }).auditLog;
    expect(rows.some((x) => x.sites.includes(B))).toBe(true);
    expect(rows.some((x) => x.sites.length === 0)).toBe(true);
  });

  it('apiKeys lists to a site-bound key only the keys within its sites; the global key sees them all', async () => {
    const mine = await svc.gql<{ apiKeys: Array<{ id: string; sites: string[] }> }>(keyA, 'ADMINISTRATION', '{ apiKeys { id sites } }');
    expect(mine.errors).toBeUndefined();
    expect(mine.data!.apiKeys.length).toBeGreaterThan(0);
    for (const k of mine.data!.apiKeys) expect(k.sites).toEqual([A]);
    const all = await admin('{ apiKeys { id } }');
    expect((all.data as { apiKeys: Array<{ id: string }> }).apiKeys.map((k) => k.id)).toContain(keyB.id);
  });

  it('revokeApiKey of a key reaching outside the caller is FORBIDDEN (also one reaching A and B); createApiKey for B is FORBIDDEN', async () => {
    const ab = await makeKey([A, B], ['STATISTICS']);
    for (const id of [keyB.id, ab.id]) {
      const r = (await svc.gql(keyA, 'ADMINISTRATION', `mutation { revokeApiKey(id: "${id}") }`)) as Gql;
      expect(codes(r)).toEqual(['FORBIDDEN']);
    }
    expect((await svc.gql(ab.secret, 'STATISTICS', '{ sites { id } }')).errors).toBeUndefined();
    const made = (await svc.gql(keyA, 'ADMINISTRATION', `mutation { createApiKey(name: "x", purposes: [STATISTICS], sites: ["${A}", "${B}"]) { id } }`)) as Gql;
    expect(codes(made)).toEqual(['FORBIDDEN']);
    // Within its sites it still administers.
    const own = await makeKey([A], ['STATISTICS']);
    const revoked = await svc.gql<{ revokeApiKey: boolean }>(keyA, 'ADMINISTRATION', `mutation { revokeApiKey(id: "${own.id}") }`);
    expect(revoked.data?.revokeApiKey).toBe(true);
  });

  it('the control: a key reaching B (the global admin key for ADMINISTRATION fields) is not refused by any field', async () => {
    // Destructive ones last, so the others still find B's segment and key.
    const last = ['deleteSegment', 'revokeApiKey', 'eraseSubject'];
    const ordered = [...roots].sort((x, y) => Number(last.includes(x.field.name)) - Number(last.includes(y.field.name)));
    for (const { op, field } of ordered) {
      const name = `${op}.${field.name}`;
      const purpose = purposeOf(name);
      const key = purpose === 'ADMINISTRATION' ? svc.adminKey : keyAB;
      const r = (await svc.gql(key, purpose, documentOf(op, field))) as Gql;
      for (const c of codes(r)) expect(['FORBIDDEN', 'NOT_FOUND', 'PURPOSE_NOT_ALLOWED', 'UNAUTHENTICATED'], `${name}: ${JSON.stringify(r.errors)}`).not.toContain(c);
    }
  });
});
