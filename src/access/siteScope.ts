// The one rule of keys bound to sites (policy 3.2, 6.1): such a key acts only within its sites. Every
// place that decides whether a caller may read or change something about some sites asks here: the
// per-resolver check (checkAccess), the admin fields (apiKeys, revokeApiKey, createSite, auditLog), the
// segment look-ups by id and the REST routes.
import { ApiError } from '../errors/apiError.ts';
import type { ApiKey } from './apiKey.ts';
import type { RequestAccess } from './requestAccess.ts';

/** What a thing is about: some sites, or every site ('*': a global key, a site's creation). */
export type SiteSet = readonly string[] | '*';

/**
 * True when `key` may act on a thing about `sites`: a global key on anything; a site-bound key only on
 * things about at least one site, all of them its own. NOTE: a thing about no site (an unauthenticated
 * request's audit row, a global key) is global and beyond every site-bound key.
 */
export function keyReaches(key: ApiKey, sites: SiteSet): boolean {
  if (key.sites === '*') return true;
  if (sites === '*' || sites.length === 0) return false;
  for (const s of sites) if (!keyAllowsSite(key, s)) return false;
  return true;
}

/** keyReaches for one site: the hot paths' form, without a list. */
export function keyAllowsSite(key: ApiKey, site: string): boolean {
  return key.sites === '*' || key.sites.includes(site);
}

/** The first of `sites` the key does not reach (for the message of a FORBIDDEN), or undefined. */
export function siteOutside(key: ApiKey, sites: readonly string[]): string | undefined {
  for (const s of sites) if (!keyAllowsSite(key, s)) return s;
  return undefined;
}

/**
 * keyReaches as a ClickHouse condition on a row's `sites` column, for reads that filter in SQL (the
 * audit log): `{scopeAll:UInt8}` and `{scopeSites:Array(String)}` come from scopeParams.
 */
export const SCOPE_SQL = '({scopeAll:UInt8} = 1 OR (notEmpty(sites) AND hasAll({scopeSites:Array(String)}, sites)))';

export function scopeParams(key: ApiKey): { scopeAll: number; scopeSites: string[] } {
  return key.sites === '*' ? { scopeAll: 1, scopeSites: [] } : { scopeAll: 0, scopeSites: [...key.sites] };
}

/**
 * The caller's key, for resolvers that confine what they answer; the per-resolver check has already
 * refused a request without a live key, so the throw is a backstop.
 */
export function callerKey(access: RequestAccess): ApiKey {
  if (access.auth.kind !== 'ok') throw new ApiError('UNAUTHENTICATED', 'an API key is required');
  return access.auth.key;
}

/** Refuses, as FORBIDDEN, a thing about `sites` outside the caller's key; `what` names it in the message. */
export function requireReach(access: RequestAccess, sites: SiteSet, what: string): ApiKey {
  const key = callerKey(access);
  if (!keyReaches(key, sites)) throw new ApiError('FORBIDDEN', `this API key is bound to sites and cannot ${what}`, { rule: 'siteBound' });
  return key;
}
