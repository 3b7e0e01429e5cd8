// LagTrendLog: windows over one append-only array show what a fresh copy of the last values would,
// and never change after they are given out (the log starts a new array when full).
import { describe, expect, it } from 'vitest';
import { LagTrendLog, lagTrendPeak, lagTrendValues, sameLagTrend, type LagTrend } from '../../src/core/lagTrend.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('LagTrendLog', () => {
  it('gives windows equal to the last values appended, unchanged by later appends, for several lengths', () => {
    for (const keep of [1, 2, 5, 30]) {
      const next = rng(keep);
      const log = new LagTrendLog(keep);
      const all: number[] = [];
      const given: [LagTrend, number[]][] = [];
      let prev: LagTrend | null = null;
      for (let i = 0; i < 500; i++) {
        // Runs of equal values: a window equal to the last one is the last one.
        const v = next() < 0.3 ? (all.at(-1) ?? 0) : Math.round(next() * 1000) / 10;
        log.append(v);
        all.push(v);
        const w = log.window(prev);
        const expected = all.slice(-keep);
        expect(lagTrendValues(w)).toEqual(expected);
        expect(w.length).toBe(expected.length);
        expect(w.at(-1)).toBe(v);
        expect(w.at(expected.length)).toBeUndefined();
        expect(w.at(-expected.length - 1)).toBeUndefined();
        expect(JSON.parse(JSON.stringify(w))).toEqual(expected);
        if (prev && lagTrendValues(prev).join() === expected.join()) expect(w).toBe(prev);
        else expect(w).not.toBe(prev);
        given.push([w, expected]);
        prev = w;
      }
      for (const [w, expected] of given) expect(lagTrendValues(w)).toEqual(expected);
    }
  });

  it('sameLagTrend and lagTrendPeak read windows and arrays alike', () => {
    const next = rng(7);
    const samples = [0, 1.5, 60, 900.25, Number.NaN, Number.POSITIVE_INFINITY];
    for (let round = 0; round < 300; round++) {
      const make = (): [LagTrend, number[]] => {
        const values = Array.from({ length: Math.floor(next() * 8) }, () => samples[Math.floor(next() * 3)] as number);
        if (next() < 0.3) values.push(samples[Math.floor(next() * samples.length)] as number);
        if (next() < 0.5) return [values.slice(-5), values.slice(-5)];
        const log = new LagTrendLog(5);
        for (const v of values) log.append(v);
        return [log.window(), values.slice(-5)];
      };
      const [a, av] = make();
      const [b, bv] = make();
      const same = av.length === bv.length && av.every((v, i) => Object.is(v, bv[i]) && !Number.isNaN(v));
      expect(sameLagTrend(a, b)).toBe(same);
      expect(sameLagTrend(b, a)).toBe(same);
      expect(sameLagTrend(a, a)).toBe(true);
      const floor = next() * 100;
      expect(lagTrendPeak(a, floor)).toBe(Math.max(floor, ...av.filter(Number.isFinite)));
    }
  });

  it('an empty log gives an empty window; length 0 keeps nothing', () => {
    expect(new LagTrendLog(30).window().length).toBe(0);
    const none = new LagTrendLog(0);
    none.append(5);
    expect(lagTrendValues(none.window())).toEqual([]);
  });

  it('lagTrendValues gives an array as it is', () => {
    const a = [1, 2, 3];
    expect(lagTrendValues(a)).toBe(a);
  });
});
