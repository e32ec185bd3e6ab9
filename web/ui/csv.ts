// CSV text (RFC 4180): every field quoted when it holds a comma, quote, or line break; CRLF between
// records. A leading =, +, - or @ is prefixed with ' so a spreadsheet does not run it as a formula
// (NOTE: page paths and UTM values are visitor-supplied). Pure.
export type CsvCell = string | number | null;

const FORMULA = /^[=+\-@\t\r]/;

/** RFC 4180 quoting alone: quoted (inner quotes doubled) when it holds a comma, quote or line break. */
export function csvQuote(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvField(v: CsvCell): string {
  if (v === null) return '';
  const s = String(v);
  return csvQuote(typeof v === 'string' && FORMULA.test(s) ? `'${s}` : s);
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
