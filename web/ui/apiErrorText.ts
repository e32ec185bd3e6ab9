// An API failure as the user reads it, in the chosen language. A failure that names the rule its input
// broke (`rule`, `params`: src/errors/apiError.ts) is worded here from templates, numbers in the
// locale, after the field's label where the screen knows it; one without a rule is the code in words
// then the API's own (English) message. `fieldOf` is the form field an error belongs to.
import { ApiFailure, type FailureRule } from '../api.ts';
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

export interface ErrorTextOptions {
  /** Labels of the screen's fields by top-level name (`hostnames`, `kAnonymity`): the text starts with one. */
  labels?: Readonly<Record<string, string>>;
  /** The text is shown at its field already: no field name in front. */
  atField?: boolean;
}

export function apiErrorText(i18n: I18n, err: unknown, opts: ErrorTextOptions = {}): string {
  if (err instanceof ApiFailure && err.rule !== undefined) {
    const text = ruleText(i18n, err.rule);
    if (text !== undefined) return opts.atField === true || err.field === undefined ? text : i18n.t('apiRule.at', { field: fieldLabel(i18n, err.field, opts.labels), message: lowerFirst(text) });
  }
  const message = err instanceof Error ? err.message : String(err);
  const key = err instanceof ApiFailure ? BY_CODE[err.code] : undefined;
  return i18n.t(key ?? 'error.generic', { message });
}

/** The top-level field an error names: `hostnames[2]` → `hostnames`, `defaultConsent.advertising` → `defaultConsent`. */
export function fieldOf(err: unknown): string | undefined {
  return err instanceof ApiFailure && err.field !== undefined ? err.field.split(/[.[]/)[0] : undefined;
}

type Params = FailureRule['params'];

/** The template of a rule with its params, or undefined for a rule this page does not know (a newer server). */
export function ruleKey(rule: string, p: Params): MessageKey | undefined {
  const has = (k: string) => p[k] !== undefined;
  const bounds = has('min') && has('max') ? 'between' : has('min') ? 'min' : has('max') ? 'max' : undefined;
  switch (rule) {
    case 'length':
      return bounds === undefined ? undefined : `apiRule.length.${bounds}`;
    case 'range':
      if (typeof p.min === 'string' && typeof p.max === 'string') return 'apiRule.range.dates';
      return bounds === undefined ? undefined : `apiRule.range.${bounds}`;
    case 'items':
      if (bounds === 'min' && p.min === 1) return 'apiRule.items.nonEmpty';
      if (bounds === 'between' && p.min === p.max) return 'apiRule.items.exact';
      return bounds === undefined ? undefined : `apiRule.items.${bounds}`;
    case 'format':
    case 'notFound':
    case 'duplicate': {
      const variant = `apiRule.${rule}.${String(rule === 'format' ? p.format : p.kind)}`;
      return KNOWN.has(variant) ? (variant as MessageKey) : undefined;
    }
    case 'oneOf':
      return has('got') ? 'apiRule.oneOf.got' : 'apiRule.oneOf';
    default:
      return KNOWN.has(`apiRule.${rule}`) ? (`apiRule.${rule}` as MessageKey) : undefined;
  }
}

// Every rule key there is: what a rule or variant may map to (the catalogues hold the same keys in both languages).
const KNOWN: ReadonlySet<string> = new Set([
  ...['required', 'unknown', 'exclusive', 'depth', 'sameKind', 'dateOrder', 'retention', 'sameSite', 'notReady', 'bootstrapKey', 'siteBound'].map((r) => `apiRule.${r}`),
  ...['siteId', 'hostname', 'timeZone', 'date', 'consent', 'boolean', 'object', 'path', 'printable'].map((f) => `apiRule.format.${f}`),
  'apiRule.notFound.site',
  'apiRule.notFound.segment',
  'apiRule.duplicate.site',
]);

function ruleText(i18n: I18n, { rule, params }: FailureRule): string | undefined {
  const key = ruleKey(rule, params);
  if (key === undefined) return undefined;
  const list = new Intl.ListFormat(i18n.locale, { type: 'disjunction' });
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    values[k] = typeof v === 'number' ? i18n.number(v) : typeof v === 'string' ? v : list.format(v.map(String));
  }
  return i18n.t(key, values);
}

/** The label of `hostnames[2]` is "Host names, item 3"; a field the screen has no label for keeps the API's name. */
function fieldLabel(i18n: I18n, field: string, labels: ErrorTextOptions['labels']): string {
  const top = field.split(/[.[]/)[0] ?? field;
  const label = labels?.[top];
  if (label === undefined) return field;
  const item = /^\w+\[(\d+)\]$/.exec(field);
  return item === null ? label : i18n.t('apiRule.item', { field: label, n: i18n.number(Number(item[1]) + 1) });
}

/** "Must be …" after a label reads "Name: must be …"; a quote or a digit first stays as it is. */
function lowerFirst(text: string): string {
  return /^\p{Lu}\p{Ll}/u.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}
