import { describe, expect, it } from 'vitest';
import { DeadLetterTrend } from '../../src/sources/redis/deadLetterTrend.js';

const H = 3_600_000;
const M = 60_000;
const T0 = 1_800_000_000_000;

describe('DeadLetterTrend (contract section 3)', () => {
  it('growth counts increases only, per hour, over the time observed (at least 5 min)', () => {
    const t = new DeadLetterTrend();
    t.observe(100, T0); // starting point: old dead letters are not growth
    t.observe(110, T0 + M);
    t.observe(40, T0 + 2 * M); // a replay shortened the list: not negative growth
    t.observe(45, T0 + 3 * M);
    // 15 new in the first 5 minutes (the minimum span) -> 180/h.
    expect(t.figures(T0 + 3 * M).growthPerHour).toBeCloseTo(15 / (5 / 60), 6);
    // After 30 min of observation: 15 in 0.5 h.
    expect(t.figures(T0 + 30 * M).growthPerHour).toBeCloseTo(30, 6);
  });

  it('the baseline is the observed rate before the recent hour, null until an hour of it exists', () => {
    const t = new DeadLetterTrend();
    let n = 0;
    // Two dead letters an hour for 3 hours, then a spike of 30 in the last hour.
    for (let m = 0; m <= 180; m += 30) {
      t.observe(n, T0 + m * M);
      n += 1;
    }
    expect(t.figures(T0 + 90 * M)).toMatchObject({ baselinePerHour: null, baselineSource: null });
    for (let m = 181; m <= 240; m += 2) {
      n += 1;
      t.observe(n, T0 + m * M);
    }
    const f = t.figures(T0 + 240 * M);
    expect(f.baselineSource).toBe('observed');
    // 6 increments over the 3 h before the recent window -> 2/h; the spike is not its own baseline.
    expect(f.baselinePerHour).toBeCloseTo(2, 0);
    expect(f.growthPerHour).toBeGreaterThan(3 * (f.baselinePerHour ?? 0));
  });

  it('a configured baseline wins; after 7 days of observation the trailing 7 days are used', () => {
    expect(new DeadLetterTrend({ configuredBaselinePerHour: 4 }).figures(T0)).toMatchObject({
      baselinePerHour: 4,
      baselineSource: 'configured',
    });
    const t = new DeadLetterTrend();
    let n = 0;
    for (let h = 0; h <= 8 * 24; h++) {
      t.observe(n, T0 + h * H);
      n += 3;
    }
    const f = t.figures(T0 + 8 * 24 * H);
    expect(f.baselineSource).toBe('7d');
    expect(f.baselinePerHour).toBeCloseTo(3, 1);
    expect(f.last24h).toBeGreaterThanOrEqual(3 * 23);
    expect(f.last24h).toBeLessThanOrEqual(3 * 24);
    expect(new DeadLetterTrend().figures(T0).last24h).toBeNull();
  });

  it('gives the same figures object while no figure changed, a new one when one did', () => {
    const t = new DeadLetterTrend();
    t.observe(5, T0);
    t.observe(5, T0 + M);
    const a = t.figures(T0 + M);
    t.observe(5, T0 + 2 * M);
    expect(t.figures(T0 + 2 * M)).toBe(a);
    t.observe(8, T0 + 3 * M);
    const b = t.figures(T0 + 3 * M);
    expect(b).not.toBe(a);
    expect(b.growthPerHour).toBeCloseTo(3 / (5 / 60), 6);
    expect(a.growthPerHour).toBe(0);
  });
});
