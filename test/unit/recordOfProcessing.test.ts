// One record of processing: README.md's "What is stored" table is the English text privacyNotice answers.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPrivacyResolvers } from '../../src/subjects/privacyResolvers.ts';
import { recordOfProcessing } from '../../src/subjects/recordOfProcessing.ts';

const README = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The rows of the first table after "## What is stored", cells split on unescaped pipes. */
function readmeTable(): Array<{ table: string; holds: string; kept: string; why: string }> {
  const section = README.split('\n## What is stored\n')[1]?.split('\n## ')[0] ?? '';
  const lines = section.split('\n').filter((l) => l.startsWith('|'));
  expect(lines[0]).toBe('| table | holds | kept | why |');
  return lines.slice(2).map((l) => {
    const cells = l.slice(1, -1).split(' | ').map((c) => c.trim());
    expect(cells, l).toHaveLength(4);
    return { table: cells[0]!, holds: cells[1]!, kept: cells[2]!, why: cells[3]! };
  });
}

describe('the record of processing', () => {
  it('is the README table, row for row', () => {
    expect(readmeTable()).toEqual(recordOfProcessing('en'));
  });

  it('has every row in Russian too, for the same tables, each cell filled', () => {
    const en = recordOfProcessing('en');
    const ru = recordOfProcessing('ru');
    expect(ru.map((r) => r.table)).toEqual(en.map((r) => r.table));
    for (const r of [...en, ...ru]) for (const cell of [r.holds, r.kept, r.why]) expect(cell.trim(), r.table).not.toBe('');
  });

  it('gives the contact as configured, null when CALYPSO_CONTACT_EMAIL is unset', () => {
    expect(createPrivacyResolvers('').Query.privacyNotice(undefined, { language: 'RU' })).toEqual({ contact: null, records: recordOfProcessing('ru') });
    expect(createPrivacyResolvers('dpo@shop.example').Query.privacyNotice(undefined, { language: 'EN' }).contact).toBe('dpo@shop.example');
  });
});
