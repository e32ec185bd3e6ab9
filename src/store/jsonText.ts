// JSON string text for JSONEachRow lines written field by field on the ingest path (event and visit rows).

// Characters a JSON string cannot hold as they are (quote, backslash, controls) and lone-surrogate
// candidates (JSON.stringify escapes those): such text goes through JSON.stringify.
export function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return true;
  }
  return false;
}

/** `s` as a JSON string, as JSON.stringify writes it; plain text without a copy through the escaper. */
export const jsonString = (s: string): string => (needsEscape(s) ? JSON.stringify(s) : `"${s}"`);

/**
 * A JSON string's inside, as JSON.stringify writes it between its quotes: line writers put the quotes in
 * their constant pieces (`,"host":"`), so a field costs two string adds and no short copies.
 */
export const jsonInner = (s: string): string => (needsEscape(s) ? JSON.stringify(s).slice(1, -1) : s);
