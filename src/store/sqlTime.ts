// Time values as they cross the ClickHouse boundary.

let lastMs = NaN;
let lastText = '';

/** ClickHouse DateTime64 text in UTC, as JSONEachRow input accepts it. */
export function nowSql(d = new Date()): string {
  // Hits arrive several per millisecond: the last one's text is reused.
  const ms = d.getTime();
  if (ms !== lastMs) {
    const iso = d.toISOString();
    lastText = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
    lastMs = ms;
  }
  return lastText;
}

/** Either output form of a UTC DateTime64 (iso or plain) to ISO-8601 with Z. */
export function isoOf(v: string): string {
  return v.includes('T') ? (v.endsWith('Z') ? v : `${v}Z`) : `${v.replace(' ', 'T')}Z`;
}

/** A UTC DateTime64 text (either form) to milliseconds since the epoch. */
export function sqlToMs(v: string): number {
  return Date.parse(isoOf(v));
}
