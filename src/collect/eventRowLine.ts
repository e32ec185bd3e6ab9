// An event row as one JSONEachRow line, as JSON.stringify would write it but without the fields at their
// column's default: every hit's row goes through this, and the embedded engine parses the spool's text on
// the collector's own core, so fewer bytes and fields are less work for both.
import type { EventRow } from '../privacy/toEventRow.ts';
import { jsonString } from '../store/jsonText.ts';

// Columns whose default is the type's zero ('' or 0, no DEFAULT expression in the schema) are left out of
// the line when at that value ('' , '0' or 0); a column not treated so is always written (a later column
// with a DEFAULT expression must not be taken for one at its zero). Those: key_version, name,
// referrer_source, referrer_host, utm_*, browser, os, device, screen, language, country, region, is_bot,
// consent, engagement_ms, visit_id. Written as they are, never escaped (the collector writes them itself
// as digits, time text or an enum name): ts, pid, visitor_hash, type, visit_id.
// NOTE: written field by field in EventRow's order (toEventRow's), not by walking the row's keys: the
// walk with a set look-up per key was most of this function's time on the batched path.

/** A text column at its zero ('' or '0') is left out; otherwise `,"name":"text"` escaped as JSON. */
const text = (name: string, v: string): string => (v === '' || v === '0' ? '' : `,"${name}":${jsonString(v)}`);
/** A numeric column at 0 is left out. */
const num = (name: string, v: number): string => (v === 0 ? '' : `,"${name}":${v}`);

/** Whether a props map has an own key (it is empty for most hits). */
function hasProps(p: Readonly<Record<string, string>>): boolean {
  for (const k in p) if (Object.hasOwn(p, k)) return true;
  return false;
}

/** The row's line, with its newline. Field order is the row's; an empty `props` map is left out too. */
export function eventRowLine(r: EventRow & { visit_id?: string }): string {
  let out = `{"site":${jsonString(r.site)},"ts":"${r.ts}","event_id":${jsonString(r.event_id)},"pid":"${r.pid}"`;
  out += num('key_version', r.key_version);
  out += `,"visitor_hash":"${r.visitor_hash}","type":"${r.type}"`;
  out += text('name', r.name);
  out += `,"host":${jsonString(r.host)},"path":${jsonString(r.path)}`;
  out += text('referrer_source', r.referrer_source);
  out += text('referrer_host', r.referrer_host);
  out += text('utm_source', r.utm_source);
  out += text('utm_medium', r.utm_medium);
  out += text('utm_campaign', r.utm_campaign);
  out += text('utm_term', r.utm_term);
  out += text('utm_content', r.utm_content);
  out += text('browser', r.browser);
  out += text('os', r.os);
  out += text('device', r.device);
  out += text('screen', r.screen);
  out += text('language', r.language);
  out += text('country', r.country);
  out += text('region', r.region);
  out += num('is_bot', r.is_bot);
  out += num('consent', r.consent);
  out += num('engagement_ms', r.engagement_ms);
  if (hasProps(r.props)) out += `,"props":${JSON.stringify(r.props)}`;
  out += `,"retention_days":${r.retention_days}`;
  const visit = r.visit_id;
  if (visit !== undefined && visit !== '' && visit !== '0') out += `,"visit_id":"${visit}"`;
  return `${out}}\n`;
}
