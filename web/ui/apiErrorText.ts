// An API failure as the user reads it: the code in words (in the chosen language), then the API's own
// message, which names what was wrong. `fieldOf` is the form field an error belongs to.
import { ApiFailure } from '../api.ts';
import type { I18n, MessageKey } from '../i18n.ts';

const BY_CODE: Record<string, MessageKey> = {
  FORBIDDEN: 'apiError.FORBIDDEN',
  BAD_USER_INPUT: 'apiError.BAD_USER_INPUT',
  CONFLICT: 'apiError.CONFLICT',
  NOT_FOUND: 'apiError.NOT_FOUND',
  PURPOSE_NOT_ALLOWED: 'apiError.PURPOSE_NOT_ALLOWED',
  UNAUTHENTICATED: 'apiError.UNAUTHENTICATED',
  KEY_REVOKED: 'apiError.UNAUTHENTICATED',
  RATE_LIMITED: 'apiError.RATE_LIMITED',
  RANGE_TOO_LARGE: 'apiError.BAD_USER_INPUT',
};

export function apiErrorText(i18n: I18n, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const key = err instanceof ApiFailure ? BY_CODE[err.code] : undefined;
  return i18n.t(key ?? 'error.generic', { message });
}

/** The top-level field an error names: `hostnames[2]` → `hostnames`, `defaultConsent.advertising` → `defaultConsent`. */
export function fieldOf(err: unknown): string | undefined {
  return err instanceof ApiFailure && err.field !== undefined ? err.field.split(/[.[]/)[0] : undefined;
}
