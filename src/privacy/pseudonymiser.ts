// Cookie id → keyed pseudonym. The raw id is used here, in memory, and never stored or logged.
import { randomBytes } from 'node:crypto';
import { keyedHmacSha256, type KeyedHmac } from './hmacSha256.ts';
import type { Cache } from '../cache/cache.ts';
import type { Secrets } from '../config/secrets.ts';

export interface Pseudonym {
  /** UInt64 as a decimal string; "0" is reserved for "no cookie". */
  readonly pid: string;
  readonly keyVersion: number;
}

export interface Pseudonymiser {
  /** First 64 bits of HMAC-SHA-256(key[v], site ‖ 0x00 ‖ cookieId), v the current key version. */
  pseudonymise(site: string, cookieId: string): Pseudonym;
  /**
   * The cookie's pid under every configured key version, the current one first: what was stored
   * before a key rotation (policy 5.4) is still the subject's, for export and erasure (4.1).
   */
  pseudonymiseAll(site: string, cookieId: string): Pseudonym[];
  /**
   * A visitor hash for cookieless hits (policy 5.2): keyed with a random salt that lives one day,
   * so the same browser cannot be linked across days. Never used as a pid.
   */
  dailyVisitorHash(site: string, day: string, traits: string): Promise<string>;
  /**
   * The same hash at once when the day's salt is already at hand, otherwise undefined (then ask
   * dailyVisitorHash): a batch's cookieless hits need no promise each.
   */
  dailyVisitorHashNow(site: string, day: string, traits: string): string | undefined;
  /**
   * A pid as one recipient of a transfer sees it (16 hex digits): keyed, and scoped to the recipient,
   * so two recipients' files cannot be joined and neither can be linked back to the pid without the key.
   */
  forRecipient(recipient: string, pid: string): string;
}

const SALT_TTL_MS = 4 * 86_400_000;

export function createPseudonymiser(secrets: Pick<Secrets, 'pseudonymKeys' | 'currentKeyVersion'>, cache: Cache): Pseudonymiser {
  const key = secrets.pseudonymKeys.get(secrets.currentKeyVersion);
  if (key === undefined) throw new Error('the current pseudonym key version has no key');
  const version = secrets.currentKeyVersion;
  const hmac = keyedHmacSha256(key);
  // Every key version, the current one first.
  const all = [...secrets.pseudonymKeys]
    .sort(([a], [b]) => (a === version ? -1 : b === version ? 1 : b - a))
    .map(([v, k]) => ({ version: v, hmac: v === version ? hmac : keyedHmacSha256(k) }));
  const pseudonymOf = (k: (typeof all)[number], site: string, cookieId: string): Pseudonym => ({ pid: first64(k.hmac(site, '\0', cookieId)), keyVersion: k.version });
  const salts = new Map<string, Promise<KeyedHmac>>();
  // The salts whose promise has settled, by day: the same keyed HMACs, reachable without awaiting.
  const ready = new Map<string, KeyedHmac>();

  const salted = (day: string): Promise<KeyedHmac> => {
    let s = salts.get(day);
    if (s === undefined) {
      // Shared through the cache so every instance agrees; never stored. It outlives its day by the
      // longest a late hit may be (72 h) plus a day, so late hits of a day hash with that day's salt.
      s = (async () => {
        const cacheKey = `salt:${day}`;
        await cache.setIfAbsent(cacheKey, randomBytes(32).toString('base64'), SALT_TTL_MS);
        const value = await cache.get(cacheKey);
        return keyedHmacSha256(value === null ? randomBytes(32) : Buffer.from(value, 'base64'));
      })();
      salts.set(day, s);
      // Keep the few days a late hit may belong to; older salts are forgotten.
      for (const old of [...salts.keys()].sort().slice(0, Math.max(0, salts.size - 4))) {
        salts.delete(old);
        ready.delete(old);
      }
      const settled = s;
      settled.then(
        (h) => {
          // Only while this is still the day's salt (not forgotten or replaced meanwhile).
          if (salts.get(day) === settled) ready.set(day, h);
        },
        () => salts.delete(day),
      );
    }
    return s;
  };

  return {
    pseudonymise(site, cookieId) {
      return pseudonymOf(all[0]!, site, cookieId);
    },
    pseudonymiseAll(site, cookieId) {
      return all.map((k) => pseudonymOf(k, site, cookieId));
    },
    forRecipient(recipient, pid) {
      return hmac('transfer\0', recipient, '\0', pid).subarray(0, 8).toString('hex');
    },
    async dailyVisitorHash(site, day, traits) {
      return first64((await salted(day))(site, '\0', traits));
    },
    dailyVisitorHashNow(site, day, traits) {
      const h = ready.get(day);
      return h === undefined ? undefined : first64(h(site, '\0', traits));
    },
  };
}

/**
 * The digest's first 64 bits as a decimal UInt64 (0 → 1, "0" being "no cookie"). In doubles rather than
 * a BigInt (once per hit): hi·2³² + lo = (hi·429 496)·10⁴ + (hi·7 296 + lo), every term exact below 2⁵³.
 */
export function first64(digest: Buffer): string {
  const hi = digest.readUInt32BE(0);
  const lo = digest.readUInt32BE(4);
  if (hi === 0) return lo === 0 ? '1' : String(lo);
  const low = hi * 7296 + lo;
  const high = hi * 429_496 + Math.floor(low / 10_000);
  return `${high}${String(low % 10_000).padStart(4, '0')}`;
}
