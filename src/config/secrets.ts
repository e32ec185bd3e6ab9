// Secrets for the embedded mode, generated once into the data directory.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';

export interface Secrets {
  readonly adminKey: string;
  /** version → key bytes; the highest version signs new pseudonyms. */
  readonly pseudonymKeys: ReadonlyMap<number, Buffer>;
  readonly currentKeyVersion: number;
  /** Set only on the start that generated the admin key, so it can be shown once. */
  readonly generatedAdminKey: boolean;
}

const ADMIN_FILE = 'admin.key';
const PSEUDONYM_FILE = 'pseudonym.keys';

/** Reads secrets from config, or from/into `<dataDir>/secrets` (mode 0600) when unset. */
export function loadSecrets(config: Config): Secrets {
  const dir = path.join(config.dataDir, 'secrets');
  const [adminKey, generatedAdminKey] =
    config.adminKey !== undefined
      ? [config.adminKey, false]
      : readOrCreate(dir, ADMIN_FILE, () => `cly_admin_${randomBytes(32).toString('base64url')}`);
  const keyText = config.pseudonymKeys ?? readOrCreate(dir, PSEUDONYM_FILE, () => `1:${randomBytes(32).toString('base64')}`)[0];
  const pseudonymKeys = parsePseudonymKeys(keyText);
  return Object.freeze({
    adminKey,
    pseudonymKeys,
    currentKeyVersion: Math.max(...pseudonymKeys.keys()),
    generatedAdminKey,
  });
}

/** Parses "1:<base64>,2:<base64>" into a version map. */
export function parsePseudonymKeys(text: string): ReadonlyMap<number, Buffer> {
  const keys = new Map<number, Buffer>();
  for (const part of text.trim().split(',')) {
    const [v, k] = part.split(':');
    const version = Number(v);
    const key = Buffer.from(k ?? '', 'base64');
    if (!Number.isInteger(version) || version < 1 || version > 255 || key.length < 32) {
      throw new Error('pseudonym keys must be "version:base64" pairs, versions 1–255, keys of at least 32 bytes');
    }
    if (keys.has(version)) throw new Error(`pseudonym key version ${version} is listed twice; each version needs exactly one key`);
    keys.set(version, key);
  }
  return keys;
}

/** Returns the file's value and whether this call created it. */
function readOrCreate(dir: string, file: string, create: () => string): [string, boolean] {
  const full = path.join(dir, file);
  try {
    return [fs.readFileSync(full, 'utf8').trim(), false];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = create();
  // 'wx' fails if another process created it meanwhile: then read theirs, never overwrite a key.
  try {
    fs.writeFileSync(full, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return [value, true];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return [fs.readFileSync(full, 'utf8').trim(), false];
  }
}
