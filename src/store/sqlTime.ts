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
  // The form nowSql writes, read field by field: visits compare such times several times per hit.
  if (v.length === 23 && v.charCodeAt(10) === 32) {
    // Digits read from their char codes: no substring per field (NaN for a non-digit, as Number would give).
    const n = (a: number, b: number) => {
      let x = 0;
      for (let i = a; i < b; i++) {
        const d = v.charCodeAt(i) - 48;
        if (d < 0 || d > 9) return NaN;
        x = x * 10 + d;
      }
      return x;
    };
    return Date.UTC(n(0, 4), n(5, 7) - 1, n(8, 10), n(11, 13), n(14, 16), n(17, 19), n(20, 23));
  }
  return Date.parse(isoOf(v));
}
