// Refuses host names whose labels mix writing systems — the look-alike spelling the privacy policy
// itself carries ("соcoa-calypso.ru", its first two letters Cyrillic). See shared/POLICY.md.
import { domainToUnicode } from 'node:url';

/** Scripts a host name label may be written in, by their Unicode names. */
const SCRIPTS = [
  'Latin', 'Cyrillic', 'Greek', 'Armenian', 'Georgian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Devanagari',
  'Bengali', 'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Thai', 'Lao',
  'Tibetan', 'Myanmar', 'Khmer', 'Mongolian', 'Ethiopic', 'Cherokee', 'Canadian_Aboriginal', 'Han', 'Hiragana',
  'Katakana', 'Hangul', 'Bopomofo', 'Yi', 'Tifinagh', 'Nko', 'Vai',
].map((name) => ({ name: name.replace(/_/g, ' '), re: new RegExp(`^\\p{Script=${name}}$`, 'u') }));

/** Digits, hyphens and combining marks belong to no one script and never make a mix. */
const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/**
 * Scripts that one writing system uses together (UTS #39's "highly restrictive" sets, less Latin):
 * Japanese mixes Han with both kana, Chinese Han with Bopomofo, Korean Han with Hangul.
 */
const WRITING_SYSTEMS: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['Han', 'Hiragana', 'Katakana']),
  new Set(['Han', 'Bopomofo']),
  new Set(['Han', 'Hangul']),
];

/**
 * Why `hostname` is refused as a mixed-script look-alike, or undefined when each of its labels is
 * written in one script. Punycode labels (xn--) are judged by what they decode to, so the Unicode
 * and the ASCII spelling of a host get the same answer.
 *
 * NOTE: this catches look-alikes that mix scripts inside a label. A label written wholly in another
 * script ("сосоа", all Cyrillic) passes here: only comparing against the registered host names
 * catches that.
 */
export function mixedScriptReason(hostname: string): string | undefined {
  const host = decode(hostname);
  for (const label of host.split('.')) {
    const counts = scriptCounts(label);
    const scripts = [...counts.keys()];
    if (scripts.length <= 1 || WRITING_SYSTEMS.some((ws) => scripts.every((s) => ws.has(s)))) continue;
    return `host "${host}" mixes ${listed(scripts)} letters in "${label}"${lookAlike(counts)}`;
  }
  return undefined;
}

/** The host as a reader sees it: each xn-- label decoded, lower case. */
function decode(hostname: string): string {
  const lower = hostname.trim().toLowerCase();
  // domainToUnicode gives '' for what is not a valid domain; such a host is judged as written.
  return domainToUnicode(lower) || lower;
}

/** Letters per script, in the order the scripts first appear in the label. */
function scriptCounts(label: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const ch of label) {
    if (NEUTRAL.test(ch)) continue;
    const name = SCRIPTS.find((s) => s.re.test(ch))?.name ?? 'other';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

function listed(names: readonly string[]): string {
  return names.length <= 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** When one script has most of the letters, the label imitates a name in that script. */
function lookAlike(counts: ReadonlyMap<string, number>): string {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  for (const [name, n] of counts) if (n * 2 > total && name !== 'other') return ` (a look-alike of a ${name} name)`;
  return '';
}
