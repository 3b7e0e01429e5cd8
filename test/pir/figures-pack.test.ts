// The figure series keeps its 90 minutes of samples packed (src/core/pir/figures.ts): what it
// writes to the journal and gives the evidence must be the sample exactly as it was taken.
import { describe, expect, it } from 'vitest';
import { packFigures, sampleFigures, unpackFigures } from '../../src/core/pir/figures.js';
import { emptyFailures, emptySnapshot, type QueueSnapshot } from '../../src/core/snapshot.js';
import { canonicalJson, type FiguresDetails } from '../../src/core/timeline.js';

// Keys in sorted order, as sampleFigures takes them (the hash's fast path).
const sample = (t: string, lagCrawl: number | null): FiguresDetails => ({
  providers: { brightpool: { campaigns: 12, failRate: 0.4123 } },
  queues: {
    crawl: { dead: 320, depth: 183_452, dlBase: null, dlRate: 12.5, fail: 7, lag: lagCrawl, workers: 0 },
    'crawl\\u202E': { dead: 0, depth: 0, dlBase: 0.25, dlRate: 0, fail: 0, lag: 0.1, workers: 3 },
    rank: { dead: 2805, depth: 2, dlBase: 4, dlRate: 804, fail: 0, lag: 3600.7 },
  },
  replicas: { 'replica-1': 0, 'replica-2': null },
  reports: { failedCampaigns: ['c-1'], failures: 1, runs: 10 },
  scenario: 'default',
  simulated: true,
  t,
});

describe('packed figure samples', () => {
  it('unpack gives back the sample exactly: same values, nulls, absent workers, same journal text', () => {
    for (const s of [sample('2026-12-06T12:00:00.000Z', 14_222.3), sample('2026-12-06T12:01:00.000Z', null)]) {
      const back = unpackFigures(packFigures(s));
      expect(back).toEqual(s);
      expect(JSON.stringify(back)).toBe(JSON.stringify(s));
      expect('workers' in (back.queues.rank as object)).toBe(false);
    }
  });

  it('one Float64Array of 7 numbers a queue; the names are shared with the previous sample while the queues stay the same', () => {
    const a = packFigures(sample('2026-12-06T12:00:00.000Z', 1));
    expect(a.values).toBeInstanceOf(Float64Array);
    expect(a.values.length).toBe(3 * 7);
    const b = packFigures(sample('2026-12-06T12:01:00.000Z', 2), a);
    expect(b.names).toBe(a.names);
    const other = sample('2026-12-06T12:02:00.000Z', 3);
    other.queues = { ...other.queues, email: { lag: null, depth: 1, dead: 0, dlRate: 0, dlBase: null, fail: 0, workers: 1 } };
    const c = packFigures(other, b);
    expect(c.names).not.toBe(b.names);
    expect(unpackFigures(c)).toEqual(other);
  });
});

describe('a sample as sampleFigures takes it', () => {
  it('has every key in sorted order, so its canonical JSON (the entry hash) is its plain JSON', () => {
    const snap = emptySnapshot(Date.parse('2026-12-06T12:00:00.000Z'));
    const queue = (name: string, lag: number | null) =>
      ({
        ...snap.queues[0],
        name,
        depth: 5,
        lagSeconds: lag,
        deadLetters: 1,
        deadLetterGrowthPerHour: 0.25,
        deadLetterBaselinePerHour: null,
        failuresByClass: emptyFailures(),
      }) as unknown as QueueSnapshot;
    // The source's order: LSOS's queues first, then the rest as discovered (not sorted).
    snap.queues = [queue('rank', 12), queue('crawl', null), queue('tenant00002', 3), queue('reviews', 1), queue('tenant00001', 0)];
    snap.workers = [{ hostname: 'w1', queues: ['rank'], online: true } as unknown as (typeof snap.workers)[number]];
    snap.database = {
      ...snap.database,
      replicas: [
        { name: 'replica-2', lagSeconds: 3 },
        { name: 'replica-1', lagSeconds: null },
      ] as typeof snap.database.replicas,
    };
    snap.providers = [
      { name: 'zeta', requests: 10, failures: 1, campaignsAffected: 2 },
      { name: 'alpha', requests: 0, failures: 0, campaignsAffected: 0 },
    ] as unknown as typeof snap.providers;
    snap.reporting = { ...snap.reporting, runs: 4, failures: 1, failedCampaigns: ['c-2', 'c-1'] };
    for (const simulated of [false, true]) {
      const d = sampleFigures({ ...snap, simulated, scenario: 'default' });
      expect(JSON.stringify(d)).toBe(canonicalJson(d));
      expect(Object.keys(d.queues)).toEqual(['crawl', 'rank', 'reviews', 'tenant00001', 'tenant00002']);
      expect(d.queues.rank?.workers).toBe(1);
      // Packed and unpacked (the figure series' memory), the same text.
      expect(JSON.stringify(unpackFigures(packFigures(d)))).toBe(JSON.stringify(d));
    }
  });
});
