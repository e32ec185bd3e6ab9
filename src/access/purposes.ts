// The purposes of processing (POLICY.md 2.2, 5.1). Every field of the schema serves some of them.
export const PURPOSES = ['STATISTICS', 'ADVERTISING', 'PERSONALIZATION', 'SUBJECT_REQUEST', 'LEGAL_OBLIGATION', 'ADMINISTRATION'] as const;
export type Purpose = (typeof PURPOSES)[number];

const SET: ReadonlySet<string> = new Set(PURPOSES);

export function isPurpose(value: unknown): value is Purpose {
  return typeof value === 'string' && SET.has(value);
}
