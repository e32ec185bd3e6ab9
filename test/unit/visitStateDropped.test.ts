import { describe, expect, it } from 'vitest';
import type { EventRow } from '../../src/privacy/toEventRow.ts';
import type { EventStore } from '../../src/store/eventStore.ts';
import { nowSql } from '../../src/store/sqlTime.ts';
import { createVisitAssigner, type PlacedHit } from '../../src/visits/visitAssigner.ts';
import { memoryVisitStateStore } from '../../src/visits/visitStateStore.ts';

const KEEP = 7_200_000;

function hit(ms: number, pid: string): PlacedHit {
  const row = {
    ...{ site: 's', ts: nowSql(new Date(ms)), event_id: `e${pid}`, pid, key_version: 1, visitor_hash: '0', type: 'pageview', name: '', host: 'h', path: '/' },
    ...{ referrer_source: 'direct', referrer_host: '', utm_source: '', utm_medium: '', utm_campaign: '', utm_term: '', utm_content: '' },
    ...{ browser: 'Firefox', os: 'Linux', device: 'desktop', screen: '', language: 'ru', country: 'RU', region: '', is_bot: 0, consent: 1, engagement_ms: 0, props: {}, retention_days: 30 },
  } as EventRow;
  return { row, ms };
}

describe('a visit state store full to its cap', () => {
  it('sends only the visitors it dropped to ClickHouse, not every new one', async () => {
    const asked: string[][] = [];
    // Records which visitors ClickHouse is asked about (none of them has stored visits).
    const store = { query: async (_sql: string, params: { pids: bigint[] }) => (asked.push(params.pids.map(String)), []) } as unknown as EventStore;
    const state = memoryVisitStateStore({ keepMs: KEEP, maxVisitors: 2 });
    state.load([], Date.now() - KEEP);
    const assigner = createVisitAssigner({ store, state, maxFutureMs: 0 });
    const place = async (pid: string) => (await assigner.place([hit(Date.now(), pid)])).commit();
    for (const pid of ['1', '2', '3']) await place(pid);
    // Visitor 1 was dropped for room: the store no longer vouches for the last minutes as a whole.
    expect(state.since()).toBeGreaterThan(Date.now() - 60_000);
    expect(asked).toEqual([]);
    await place('4');
    expect(asked).toEqual([]);
    await place('1');
    expect(asked).toEqual([['1']]);
  });
});
