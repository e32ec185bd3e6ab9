// Rule faults (the mirror's, the JSON view's, the API's) gathered per builder node, in the page's language.
import type { ApiFailure } from '../../api.ts';
import type { I18n, MessageKey } from '../../i18n.ts';
import { apiErrorText, type ErrorTextOptions } from '../../ui/apiErrorText.ts';
import type { RuleIssue } from './ruleCheck.ts';
import { locatePath } from './rulePaths.ts';
import type { RuleNode, ShapeError } from './ruleTree.ts';

/** A fault shown at a node: under the node, and on the control `field` names when it does. */
export interface NodeFault {
  field?: string;
  message: string;
}

export function issueMessage(i18n: I18n, issue: RuleIssue | ShapeError): string {
  const params = 'params' in issue ? issue.params : 'detail' in issue && issue.detail !== undefined ? { name: issue.detail, names: issue.detail } : undefined;
  return i18n.t(`segments.issue.${issue.code}` as MessageKey, params);
}

/** Faults by node id; a path the tree does not hold goes to the root. */
export function faultsByNode(root: RuleNode, faults: ReadonlyArray<{ path: string; message: string }>): Map<string, NodeFault[]> {
  const out = new Map<string, NodeFault[]>();
  for (const f of faults) {
    const at = locatePath(root, f.path) ?? { nodeId: root.id };
    const list = out.get(at.nodeId) ?? [];
    list.push(at.field === undefined ? { message: f.message } : { field: at.field, message: f.message });
    out.set(at.nodeId, list);
  }
  return out;
}

/**
 * An API error that names its rule, in the page's language: a window past the site's retention (which only
 * the server can judge) as the mirror words its own faults, the others as every screen does.
 */
export function apiFaultMessage(i18n: I18n, failure: ApiFailure, opts: ErrorTextOptions): string {
  const r = failure.rule;
  if (r?.rule === 'retention' && typeof r.params.days === 'number' && typeof r.params.max === 'number') {
    return i18n.t('segments.issue.retention', { days: i18n.number(r.params.days), max: i18n.number(r.params.max) });
  }
  return apiErrorText(i18n, failure, opts);
}

/**
 * An API rule error (from a server that names no rule) in the page's language when it is one the page knows (the server writes English):
 * a window past the site's retention, which only the server can judge. Else the server's text.
 */
export function serverRuleMessage(i18n: I18n, message: string): string {
  const retention = /(\d+) days reaches past the site's retention of (\d+) days/.exec(message);
  if (retention !== null) return i18n.t('segments.issue.retention', { days: retention[1]!, max: retention[2]! });
  return message;
}
