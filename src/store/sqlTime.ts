// Time values as they cross the ClickHouse boundary.

/** ClickHouse DateTime64 text in UTC, as JSONEachRow input accepts it. */
export function nowSql(d = new Date()): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/** Either output form of a UTC DateTime64 (iso or plain) to ISO-8601 with Z. */
export function isoOf(v: string): string {
  return v.includes('T') ? (v.endsWith('Z') ? v : `${v}Z`) : `${v.replace(' ', 'T')}Z`;
}
