// The figure series keeps its 90 minutes of samples packed (src/core/pir/figures.ts): what it
// writes to the journal and gives the evidence must be the sample exactly as it was taken.
import { describe, expect, it } from 'vitest';
import { packFigures, unpackFigures } from '../../src/core/pir/figures.js';
import type { FiguresDetails } from '../../src/core/timeline.js';

const sample = (t: string, lagCrawl: number | null): FiguresDetails => ({
  t,
  queues: {
    crawl: { lag: lagCrawl, depth: 183_452, dead: 320, dlRate: 12.5, dlBase: null, fail: 7, workers: 0 },
    'crawl\\u202E': { lag: 0.1, depth: 0, dead: 0, dlRate: 0, dlBase: 0.25, fail: 0, workers: 3 },
    rank: { lag: 3600.7, depth: 2, dead: 2805, dlRate: 804, dlBase: 4, fail: 0 },
  },
  replicas: { 'replica-1': 0, 'replica-2': null },
  providers: { brightpool: { failRate: 0.4123, campaigns: 12 } },
  reports: { runs: 10, failures: 1, failedCampaigns: ['c-1'] },
  simulated: true,
  scenario: 'default',
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
