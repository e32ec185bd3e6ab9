// Which field an API failure belongs to, so the message is shown at that field (ApiFailure.field).
import { ApiFailure } from '../../api.ts';

/** The failure's message when it names `field` (or, for `site`, a site that does not exist). */
export function errorAt(err: unknown, field: string): string | undefined {
  if (!(err instanceof ApiFailure)) return undefined;
  if (err.field === field) return err.message;
  // requireSite answers NOT_FOUND without a field; the only thing these screens name that can be missing is the site.
  if (field === 'site' && err.field === undefined && err.code === 'NOT_FOUND') return err.message;
  return undefined;
}

/** The failure's message when no field of `fields` shows it. */
export function errorElsewhere(err: unknown, fields: readonly string[]): string | undefined {
  if (err === undefined || fields.some((f) => errorAt(err, f) !== undefined)) return undefined;
  return err instanceof Error ? err.message : String(err);
}
