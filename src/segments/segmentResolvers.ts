// GraphQL: defining, refreshing and reading segments (ADVERTISING, ADMINISTRATION), and the cookie
// look-ups (ADVERTISING, PERSONALIZATION). Segment ids carry no site argument, so each resolver that
// takes one checks the key's sites itself and records the site in the audit trail.
import { GraphQLScalarType, type GraphQLResolveInfo } from 'graphql';
import { EVENT_LIMITS, isCookieId } from '../collect/validateEvent.ts';
import { CONSENT_BITS } from '../consent/consentFlags.ts';
import { keyAllowsSite } from '../access/siteScope.ts';
import { ApiError, clip, echo, invalid } from '../errors/apiError.ts';
import type { RequestContext } from '../graphql/requestContext.ts';
import { requireSite } from '../sites/requireSite.ts';
import type { Site, SiteStore } from '../sites/siteStore.ts';
import type { Materialiser } from './segmentMaterialiser.ts';
import { parseSegmentRule, type SegmentRule } from './segmentRule.ts';
import type { SegmentReads } from './segmentReads.ts';
import { segmentsFor, type SegmentLookup } from './segmentLookup.ts';
import type { SegmentDefinition, SegmentState, SegmentStore } from './segmentStore.ts';

export interface SegmentResolverDeps {
  segments: SegmentStore;
  sites: SiteStore;
  materialiser: Materialiser;
  lookup: SegmentLookup;
  reads: SegmentReads;
}

/** Most cookies in one segmentsForCookies call. */
export const MAX_BATCH_COOKIES = 1000;
// The same bound as a hit's `cid`.
const MAX_COOKIE_LENGTH = EVENT_LIMITS.maxCidLength;

const JSONScalar = new GraphQLScalarType({ name: 'JSON', description: 'Any JSON value.', serialize: (v) => v });

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) throw invalid('name', 'name must be 1 to 200 characters', 'length', { min: 1, max: 200 });
  // Stored: a lone UTF-16 surrogate, which ClickHouse cannot read, is mended to U+FFFD.
  return name.trim().toWellFormed();
}

function checkEvery(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1440) throw invalid('refreshEveryMinutes', 'refreshEveryMinutes must be an integer from 1 to 1440', 'range', { min: 1, max: 1440 });
  return v;
}

function checkRule(input: unknown, site: Site): SegmentRule {
  return parseSegmentRule(input, { maxWindowDays: site.retentionDays });
}

export function checkCookieId(v: unknown, field = 'cookieId'): string {
  if (!isCookieId(v)) throw invalid(field, `${field} must be 1 to ${MAX_COOKIE_LENGTH} characters`, 'length', { min: 1, max: MAX_COOKIE_LENGTH });
  return v;
}

export function createSegmentResolvers(deps: SegmentResolverDeps) {
  const { segments, sites, materialiser, lookup, reads } = deps;

  const siteOf = (id: string) => requireSite(sites, id);

  /** The segment, if it exists and the key may see its site; recorded in the audit trail either way. */
  const segmentOf = async (id: string, ctx: RequestContext, info: GraphQLResolveInfo): Promise<SegmentDefinition> => {
    const def = await segments.get(id);
    const { auth } = ctx.access;
    const coordinate = `${info.parentType.name}.${info.fieldName}`;
    if (def === undefined || auth.kind !== 'ok' || !keyAllowsSite(auth.key, def.site)) {
      // An unknown id and another site's id answer alike, so ids cannot be probed across sites.
      ctx.audit.touch(coordinate, def === undefined ? [] : [def.site], def === undefined ? undefined : 'FORBIDDEN');
      throw new ApiError('NOT_FOUND', `segment ${echo(id)} does not exist`, { rule: 'notFound', params: { kind: 'segment', id: clip(id) } });
    }
    ctx.audit.touch(coordinate, [def.site], undefined);
    return def;
  };

  const view = async (def: SegmentDefinition, state?: SegmentState) => {
    const site = await siteOf(def.site);
    const s = state ?? (await segments.states(def.site)).get(def.id);
    const live = s !== undefined && s.liveVersion !== '0';
    return {
      id: def.id,
      site: def.site,
      name: def.name,
      rule: def.rule,
      version: def.version,
      refreshEveryMinutes: def.refreshEveryMinutes,
      size: live && s.size >= site.kAnonymity ? s.size : null,
      refreshedAt: live ? s.refreshedAt : null,
      status: s !== undefined && s.error !== '' ? 'FAILED' : live ? 'LIVE' : 'PENDING',
      error: s !== undefined && s.error !== '' ? s.error : null,
    };
  };

  return {
    JSON: JSONScalar,
    Query: {
      async segments(_: unknown, args: { site: string }) {
        const [defs, states] = await Promise.all([segments.list(args.site), segments.states(args.site)]);
        return Promise.all(defs.map((d) => view(d, states.get(d.id))));
      },
      async segment(_: unknown, args: { id: string }, ctx: RequestContext, info: GraphQLResolveInfo) {
        return view(await segmentOf(args.id, ctx, info));
      },
      async segmentHistory(_: unknown, args: { id: string }, ctx: RequestContext, info: GraphQLResolveInfo) {
        await segmentOf(args.id, ctx, info);
        return segments.history(args.id);
      },
      async segmentOverlap(_: unknown, args: { a: string; b: string }, ctx: RequestContext, info: GraphQLResolveInfo) {
        const a = await segmentOf(args.a, ctx, info);
        const b = await segmentOf(args.b, ctx, info);
        if (a.site !== b.site) throw invalid('b', 'both segments must belong to the same site', 'sameSite');
        const site = await siteOf(a.site);
        const size = await reads.overlap(a.site, a.id, b.id);
        return { a: a.id, b: b.id, size: size !== undefined && size >= site.kAnonymity ? size : null };
      },
      async segmentsForCookie(_: unknown, args: { site: string; cookieId: string }, ctx: RequestContext) {
        const cookie = checkCookieId(args.cookieId);
        const result = await lookup.lookup(await siteOf(args.site), [cookie]);
        if (result.degraded) ctx.response.degraded = 'segment-index';
        return segmentsFor('advertising', result.cookies[0]!);
      },
      async segmentsForCookies(_: unknown, args: { site: string; cookieIds: string[] }, ctx: RequestContext) {
        if (args.cookieIds.length > MAX_BATCH_COOKIES) throw invalid('cookieIds', `cookieIds holds at most ${MAX_BATCH_COOKIES} ids; got ${args.cookieIds.length}`, 'items', { max: MAX_BATCH_COOKIES, got: args.cookieIds.length });
        const cookies = args.cookieIds.map((c, i) => checkCookieId(c, `cookieIds[${i}]`));
        const result = await lookup.lookup(await siteOf(args.site), cookies);
        if (result.degraded) ctx.response.degraded = 'segment-index';
        return result.cookies.map((c, i) => ({ cookieId: cookies[i], segments: segmentsFor('advertising', c) }));
      },
      async personalization(_: unknown, args: { site: string; cookieId: string }, ctx: RequestContext) {
        const result = await lookup.lookup(await siteOf(args.site), [checkCookieId(args.cookieId)]);
        if (result.degraded) ctx.response.degraded = 'segment-index';
        const segs = segmentsFor('personalization', result.cookies[0]!);
        return { allowed: (result.cookies[0]!.consent & CONSENT_BITS.personalization) !== 0, segments: segs };
      },
    },
    Mutation: {
      async defineSegment(_: unknown, args: { site: string; name: string; rule: unknown; refreshEveryMinutes: number }) {
        const site = await siteOf(args.site);
        const input = { site: site.id, name: checkName(args.name), refreshEveryMinutes: checkEvery(args.refreshEveryMinutes), rule: checkRule(args.rule, site) };
        return view(await segments.define(input));
      },
      async updateSegment(_: unknown, args: { id: string; name?: string | null; rule?: unknown; refreshEveryMinutes?: number | null }, ctx: RequestContext, info: GraphQLResolveInfo) {
        const def = await segmentOf(args.id, ctx, info);
        const change: { -readonly [K in keyof Parameters<SegmentStore['update']>[1]]: Parameters<SegmentStore['update']>[1][K] } = {};
        if (args.name !== undefined && args.name !== null) change.name = checkName(args.name);
        if (args.refreshEveryMinutes !== undefined && args.refreshEveryMinutes !== null) change.refreshEveryMinutes = checkEvery(args.refreshEveryMinutes);
        if (args.rule !== undefined && args.rule !== null) change.rule = checkRule(args.rule, await siteOf(def.site));
        const updated = await segments.update(def.id, change);
        if (updated === undefined) throw new ApiError('NOT_FOUND', `segment ${echo(args.id)} does not exist`, { rule: 'notFound', params: { kind: 'segment', id: clip(args.id) } });
        return view(updated);
      },
      async deleteSegment(_: unknown, args: { id: string }, ctx: RequestContext, info: GraphQLResolveInfo) {
        const def = await segmentOf(args.id, ctx, info);
        const removed = await segments.remove(def.id);
        if (removed) await reads.withdraw(def.site, def.id);
        return removed;
      },
      async refreshSegment(_: unknown, args: { id: string }, ctx: RequestContext, info: GraphQLResolveInfo) {
        const def = await segmentOf(args.id, ctx, info);
        // A segment or site gone meanwhile (NOT_FOUND) or the lock held too long (SERVICE_UNAVAILABLE): catalogue errors.
        return view(def, await materialiser.refresh(def.id));
      },
      async exportSegment(_: unknown, args: { id: string; recipient: string }, ctx: RequestContext, info: GraphQLResolveInfo) {
        const recipient = args.recipient.trim();
        if (recipient === '' || recipient.length > 200 || [...recipient].some((c) => c.charCodeAt(0) < 0x20)) throw invalid('recipient', 'recipient must be 1 to 200 printable characters naming the partner', 'format', { format: 'printable', min: 1, max: 200 });
        const def = await segmentOf(args.id, ctx, info);
        const exported = await reads.exportMembers(def.site, def.id, recipient);
        if (exported === undefined) throw new ApiError('CONFLICT', `segment ${def.id} has no live version yet; refresh it first`, { rule: 'notReady' });
        ctx.audit.transfer(`segment ${def.id} version ${exported.version}: ${exported.ids.length} ids to "${recipient}"`);
        return { segment: def.id, recipient, version: exported.version, ids: exported.ids, createdAt: new Date().toISOString() };
      },
    },
  };
}
