// An event row as one JSONEachRow line, as JSON.stringify would write it but without the fields at their
// column's default: every hit's row goes through this, and the embedded engine parses the spool's text on
// the collector's own core, so fewer bytes and fields are less work for both.
import type { EventRow } from '../privacy/toEventRow.ts';
import { jsonInner } from '../store/jsonText.ts';

// Columns whose default is the type's zero ('' or 0, no DEFAULT expression in the schema) are left out of
// the line when at that value ('' for text, 0 for numbers, '0' for visit_id: a text "0", an event's name
// or a UTM value, is kept as it is; it was taken for a zero until 2026-12-01); a column not treated so is always written (a later column
// with a DEFAULT expression must not be taken for one at its zero). Those: key_version, name,
// referrer_source, referrer_host, utm_*, browser, os, device, screen, language, country, region, is_bot,
// consent, engagement_ms, visit_id. Written as they are, never escaped (the collector writes them itself
// as digits, time text or an enum name): ts, pid, visitor_hash, type, visit_id.
// NOTE: written field by field in EventRow's order (toEventRow's), not by walking the row's keys (a set
// look-up per key), and each field as its constant piece and its value: two string adds, where a template
// per field made several short copies (most of the line's allocation).

/** The line so far and a text column: left out when empty; `key` is `,"name":"`. */
const text = (out: string, key: string, v: string): string => (v === '' ? out : out + key + jsonInner(v) + '"');
/** A numeric column at 0 is left out; `key` is `,"name":`. */
const num = (out: string, key: string, v: number): string => (v === 0 ? out : out + key + v);

/** Whether a props map has an own key (it is empty for most hits). */
function hasProps(p: Readonly<Record<string, string>>): boolean {
  for (const k in p) if (Object.hasOwn(p, k)) return true;
  return false;
}

/** The row's line, with its newline. Field order is the row's; an empty `props` map is left out too. */
export function eventRowLine(r: EventRow & { visit_id?: string }): string {
  let out = '{"site":"' + jsonInner(r.site) + '","ts":"' + r.ts + '","event_id":"' + jsonInner(r.event_id) + '","pid":"' + r.pid + '"';
  out = num(out, ',"key_version":', r.key_version);
  out = out + ',"visitor_hash":"' + r.visitor_hash + '","type":"' + r.type + '"';
  out = text(out, ',"name":"', r.name);
  out = out + ',"host":"' + jsonInner(r.host) + '","path":"' + jsonInner(r.path) + '"';
  out = text(out, ',"referrer_source":"', r.referrer_source);
  out = text(out, ',"referrer_host":"', r.referrer_host);
  out = text(out, ',"utm_source":"', r.utm_source);
  out = text(out, ',"utm_medium":"', r.utm_medium);
  out = text(out, ',"utm_campaign":"', r.utm_campaign);
  out = text(out, ',"utm_term":"', r.utm_term);
  out = text(out, ',"utm_content":"', r.utm_content);
  out = text(out, ',"browser":"', r.browser);
  out = text(out, ',"os":"', r.os);
  out = text(out, ',"device":"', r.device);
  out = text(out, ',"screen":"', r.screen);
  out = text(out, ',"language":"', r.language);
  out = text(out, ',"country":"', r.country);
  out = text(out, ',"region":"', r.region);
  out = num(out, ',"is_bot":', r.is_bot);
  out = num(out, ',"consent":', r.consent);
  out = num(out, ',"engagement_ms":', r.engagement_ms);
  if (hasProps(r.props)) out = out + ',"props":' + JSON.stringify(r.props);
  out = out + ',"retention_days":' + r.retention_days;
  const visit = r.visit_id;
  if (visit !== undefined && visit !== '' && visit !== '0') out = out + ',"visit_id":"' + visit + '"';
  return out + '}\n';
}
