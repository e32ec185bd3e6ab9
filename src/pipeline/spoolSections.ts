// A spool record may carry rows of other tables after its own, so that rows derived from a request's
// hits (its visit rows) are kept in the same record: one write, one fdatasync, and whole or not at all.
//   <rows of the spool's own table, NDJSON>
//   #<table>\n<rows of that table, NDJSON>      (zero or more sections, each table at most once)
// A row is a JSON object and its text never holds a raw newline, so a line starting with `#` is always a
// section header. A record without a header is the spool's own table only (every record written before).

/** The tables whose rows may ride in another table's spool record, and in which order they are inserted. */
export const SECTION_TABLES = ['visits', 'visit_aliases'] as const;
export type SectionTable = (typeof SECTION_TABLES)[number];

const HEADERS = new Map<string, SectionTable>(SECTION_TABLES.map((t) => [`#${t}`, t]));
const NL = 0x0a;
const HASH = 0x23;

/** The record's payload as text (Spool.append takes it so): the spool's own rows, then each non-empty section. */
export function sectionsText(own: string, sections: ReadonlyArray<readonly [SectionTable, string]>): string {
  let text = own;
  for (const [table, rows] of sections) if (rows !== '') text += `#${table}\n${rows}`;
  return text;
}

/** One record split by table: `own` is the spool's own rows; each section's rows under its table. */
export interface RecordSections {
  readonly own: Buffer;
  readonly sections: ReadonlyMap<SectionTable, Buffer>;
}

const NONE: ReadonlyMap<SectionTable, Buffer> = new Map();

/** Splits a record; throws on a header naming a table that may not ride in a record (damage or a bug). */
export function splitSections(record: Buffer): RecordSections {
  let at = record[0] === HASH ? 0 : record.indexOf('\n#');
  if (at === -1) return { own: record, sections: NONE };
  const own = record.subarray(0, at === 0 ? 0 : at + 1);
  const sections = new Map<SectionTable, Buffer>();
  if (at !== 0) at += 1;
  while (at < record.length) {
    const eol = record.indexOf(NL, at);
    const header = record.toString('latin1', at, eol === -1 ? record.length : eol);
    const table = HEADERS.get(header);
    if (table === undefined || sections.has(table) || eol === -1) throw new Error(`spool record: unknown or repeated section ${JSON.stringify(header.slice(0, 40))}`);
    const next = record.indexOf('\n#', eol);
    const end = next === -1 ? record.length : next + 1;
    sections.set(table, record.subarray(eol + 1, end));
    at = end;
  }
  return { own, sections };
}

/** A record holding only these sections' rows (refused sections kept aside without the rows that went in). */
export function sectionRecord(sections: ReadonlyArray<readonly [SectionTable, Buffer]>): Buffer {
  return Buffer.concat(sections.flatMap(([table, rows]) => [Buffer.from(`#${table}\n`), rows]));
}
