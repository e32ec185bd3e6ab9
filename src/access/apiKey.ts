import { hash, randomBytes } from 'node:crypto';
import type { Purpose } from './purposes.ts';

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly purposes: readonly Purpose[];
  /** Site ids this key may touch; "*" for every site (only the bootstrap admin key). */
  readonly sites: readonly string[] | '*';
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export const ADMIN_KEY_ID = 'admin';

/** NOTE: only this digest is stored; a leaked table does not leak usable secrets. */
export function hashSecret(secret: string): string {
  // One-shot hash: no Hash object per call (on the hot paths only a secret not yet remembered is hashed).
  return hash('sha256', secret, 'hex');
}

export function newSecret(): string {
  return `cly_${randomBytes(32).toString('base64url')}`;
}

export function newKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}
