// An event row as one JSONEachRow line, as JSON.stringify would write it but without the fields at their
// column's default: every hit's row goes through this, and the embedded engine parses the spool's text on
// the collector's own core, so fewer bytes and fields are less work for both.
import type { EventRow } from '../privacy/toEventRow.ts';
import { jsonString } from '../store/jsonText.ts';

/**
 * Columns whose default is the type's zero ('' or 0, no DEFAULT expression in the schema): left out of the
 * line when at that value. A column not named here is always written (a later column with a DEFAULT
 * expression must not be taken for one at its zero).
 */
const ZERO_DEFAULT = new Set([
  'key_version', 'name', 'referrer_source', 'referrer_host', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content',
  'browser', 'os', 'device', 'screen', 'language', 'country', 'region', 'is_bot', 'consent', 'engagement_ms', 'visit_id',
]);

/** Fields the collector writes itself as digits, time text or an enum name: never anything to escape. */
const PLAIN = new Set(['ts', 'pid', 'visitor_hash', 'type', 'visit_id']);


/** The row's line, with its newline. Field order is the row's; an empty `props` map is left out too. */
export function eventRowLine(row: EventRow & { visit_id?: string }): string {
  let out = '';
  for (const k in row) {
    const v = (row as unknown as Record<string, unknown>)[k];
    if (v === undefined || ((v === '' || v === 0 || v === '0') && ZERO_DEFAULT.has(k))) continue;
    let text: string;
    if (typeof v === 'string') text = PLAIN.has(k) ? `"${v}"` : jsonString(v);
    else if (typeof v === 'number') text = String(v);
    else {
      // props: a Map(String, String) column, empty for most hits.
      const entries = Object.entries(v as Record<string, string>);
      if (entries.length === 0) continue;
      text = JSON.stringify(v);
    }
    out += `${out === '' ? '{' : ','}"${k}":${text}`;
  }
  return `${out}}\n`;
}
