// The figure series parses each sample's time once, when it is sampled, and keeps those times in
// step with its buffer as old samples fall out: what it writes is every sample newer than the last
// written, in order, from the backfill window on, as when each time was parsed on every update.
import { describe, expect, it } from 'vitest';
import { FigureSeries } from '../../src/runtime/figureSeries.js';
import { emptySnapshot } from '../../src/core/snapshot.js';
import type { IncidentRecorder } from '../../src/journal/recorder.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);

function fakeRecorder(openedAtMs: () => number | null) {
  const written: string[] = [];
  const rec = {
    view: () => {
      const at = openedAtMs();
      return at === null ? null : { id: 'inc-1', state: 'active', openedAt: new Date(at).toISOString(), milestones: {}, entries: [] };
    },
    observes: () => true,
    record: (kind: string, details: { t: string }) => {
      expect(kind).toBe('figures');
      written.push(details.t);
    },
  };
  return { rec: rec as unknown as IncidentRecorder, written };
}

describe('figure series', () => {
  it('writes the kept samples from the backfill window on, once each, after old samples fell out of the buffer', () => {
    let opened: number | null = null;
    const { rec, written } = fakeRecorder(() => opened);
    const series = new FigureSeries(rec, { keep: 5, backfillMs: 3 * MINUTE });
    // Nine minutes sampled with no incident: only the last five are kept.
    for (let m = 0; m < 9; m++) series.observe({ ...emptySnapshot(), at: T0 + m * MINUTE });
    expect(written).toEqual([]);
    // An incident opened at minute 8: backfill from minute 5 (three minutes before), kept 4..8.
    opened = T0 + 8 * MINUTE;
    series.observe({ ...emptySnapshot(), at: T0 + 8 * MINUTE + 30_000 });
    const minute = (m: number) => new Date(T0 + m * MINUTE).toISOString().replace('.000Z', 'Z');
    expect(written.map((t) => t.replace('.000Z', 'Z'))).toEqual([5, 6, 7, 8].map(minute));
    // Each later minute is written once; updates within a minute write nothing.
    for (let m = 9; m < 14; m++) {
      series.observe({ ...emptySnapshot(), at: T0 + m * MINUTE });
      series.observe({ ...emptySnapshot(), at: T0 + m * MINUTE + 20_000 });
    }
    expect(written.map((t) => t.replace('.000Z', 'Z'))).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13].map(minute));
  });
});
