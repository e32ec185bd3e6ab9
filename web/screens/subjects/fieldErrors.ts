// Which field an API failure belongs to, so the message is shown at that field (ApiFailure.field), in
// the page's language when the API names the rule the input broke.
import { ApiFailure } from '../../api.ts';
import type { I18n } from '../../i18n.ts';
import { apiErrorText } from '../../ui/apiErrorText.ts';

/** The failure's text when it names `field` (or, for `site`, a site that does not exist). */
export function errorAt(i18n: I18n, err: unknown, field: string): string | undefined {
  if (!(err instanceof ApiFailure)) return undefined;
  // requireSite answers NOT_FOUND without a field; the only thing these screens name that can be missing is the site.
  const here = err.field === field || (field === 'site' && err.field === undefined && err.code === 'NOT_FOUND');
  if (!here) return undefined;
  return err.rule === undefined ? err.message : apiErrorText(i18n, err, { atField: true });
}

/** The failure's text when no field of `fields` shows it. */
export function errorElsewhere(i18n: I18n, err: unknown, fields: readonly string[]): string | undefined {
  if (err === undefined || fields.some((f) => errorAt(i18n, err, f) !== undefined)) return undefined;
  if (err instanceof ApiFailure && err.rule !== undefined) return apiErrorText(i18n, err);
  return err instanceof Error ? err.message : String(err);
}
