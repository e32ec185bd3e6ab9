// The audit log's filters in the URL and the page queries they make (web/screens/admin/auditFilters.ts).
import { describe, expect, it } from 'vitest';
import { auditQuery, filtersFrom, filtersParams, PAGE_SIZE } from '../../web/screens/admin/auditFilters.ts';

const NOW = Date.parse('2026-11-30T14:00:00Z');

describe('audit log filters', () => {
  it('default to the last seven UTC days, page 0, anything', () => {
    expect(filtersFrom(new URLSearchParams(), NOW)).toEqual({ key: '', purpose: '', outcome: '', from: '2026-11-24', to: '2026-11-30', page: 0 });
  });

  it('read back from the URL what they wrote, and ignore malformed dates and pages', () => {
    const f = { key: 'key_1', purpose: 'STATISTICS', outcome: 'denied', from: '2026-11-01', to: '2026-11-02', page: 3 };
    expect(filtersFrom(new URLSearchParams(filtersParams(f)), NOW)).toEqual(f);
    expect(filtersFrom(new URLSearchParams('from=yesterday&to=2026-13&page=-2'), NOW)).toMatchObject({ from: '2026-11-24', to: '2026-11-30', page: 0 });
  });

  it('ask for whole UTC days with `to` cut at the pinned time, one row more than a page, at the page offset', () => {
    const f = filtersFrom(new URLSearchParams('from=2026-11-29&to=2026-11-30&page=2&outcome=error'), NOW);
    const pinned = Date.parse('2026-11-30T13:59:00Z');
    expect(auditQuery(f, pinned)).toEqual({
      from: '2026-11-29T00:00:00.000Z',
      to: '2026-11-30T13:59:00.000Z',
      keyId: undefined,
      purpose: undefined,
      outcome: 'error',
      limit: PAGE_SIZE + 1,
      offset: 2 * PAGE_SIZE,
    });
    // A past range ends at its last day's end, not at the pinned time.
    expect(auditQuery({ ...f, to: '2026-11-29' }, pinned).to).toBe('2026-11-30T00:00:00.000Z');
  });
});
