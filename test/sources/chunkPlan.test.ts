// The calls of a Redis tick (issue 16, ≤ 2 ms of Redis time per call): every queue in exactly one
// call, no call over queuesPerCall, and the planned message reads spread over the calls instead of
// piling into the first (they are chosen oldest turn first, so they cluster in queue order).
import { describe, expect, it } from 'vitest';
import { expectedReads, heaviestFirst, packChunks, type ChunkPlanLimits } from '../../src/sources/redis/chunkPlan.js';
import { ASK_COUNT, ASK_DEAD, ASK_DEEP, ASK_HEAD, ASK_SUBS, type QueueAsk } from '../../src/sources/redis/inspectScript.js';

const L: ChunkPlanLimits = { queuesPerCall: 250, plannedReadsPerCall: 48, sampleDepth: 8, deadSample: 50 };

function ask(i: number, flags = 0, lastDead = 120, lastLen = 5): QueueAsk {
  return { name: `q${i}`, flags, lastDead, lastLens: (flags & ASK_SUBS) !== 0 ? [lastLen, 0, 0, 0] : [lastLen] };
}

/** 2,000 queues as the source plans them at steady state: the reading asks at the front. */
function steadyTick(): QueueAsk[] {
  return Array.from({ length: 2000 }, (_, i) => {
    if (i < 4) return ask(i, ASK_DEEP | ASK_DEAD | ASK_COUNT);
    if (i < 36) return ask(i, ASK_HEAD | ASK_COUNT);
    if (i < 68) return ask(i, ASK_SUBS | ASK_COUNT);
    return ask(i, i % 4 === 0 ? ASK_COUNT : 0);
  });
}

function readsPerCall(asks: QueueAsk[], calls: number[][]): number[] {
  return calls.map((c) => c.reduce((n, i) => n + expectedReads(asks[i] as QueueAsk, L), 0));
}

describe('packChunks', () => {
  it('orders the reading asks heaviest first, equal weights in queue order, as a comparator sort did', () => {
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const flagsOf = [0, ASK_COUNT, ASK_HEAD, ASK_HEAD | ASK_SUBS, ASK_DEEP, ASK_DEAD, ASK_DEEP | ASK_DEAD | ASK_COUNT];
    for (const n of [1, 2, 5, 60, 251, 2000, 10_000]) {
      for (let round = 0; round < 4; round++) {
        const asks = Array.from({ length: n }, (_, i) =>
          ask(i, flagsOf[Math.floor(rnd() * rnd() * flagsOf.length)] as number, Math.floor(rnd() * 80) - 1, Math.floor(rnd() * 3) - 1),
        );
        const weight = Int32Array.from(asks, (a) => expectedReads(a, L));
        const heavy = [...weight.keys()].filter((i) => (weight[i] as number) > 0);
        // The comparator sort packChunks was written with.
        const reference = [...heavy].sort((x, y) => (weight[y] as number) - (weight[x] as number) || x - y);
        expect([...heaviestFirst(heavy, weight, n)]).toEqual(reference);
      }
    }
  });

  it('puts every queue in exactly one call, each call ascending and within queuesPerCall', () => {
    for (const n of [1, 7, 249, 250, 251, 600, 2000, 10_000]) {
      const asks = Array.from({ length: n }, (_, i) => ask(i, i % 97 === 0 ? ASK_DEAD : i % 13 === 0 ? ASK_HEAD : 0));
      const calls = packChunks(asks, L);
      const seen = calls.flat().sort((a, b) => a - b);
      expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
      for (const c of calls) {
        expect(c.length).toBeGreaterThan(0);
        expect(c.length).toBeLessThanOrEqual(L.queuesPerCall);
        expect(c).toEqual([...c].sort((a, b) => a - b));
      }
    }
  });

  it('spreads the planned reads over the calls: no call holds two dead-letter classifications at 2,000 queues', () => {
    const asks = steadyTick();
    const calls = packChunks(asks, L);
    expect(calls.length).toBe(8);
    const reads = readsPerCall(asks, calls);
    // 4 × (8 + 50) + 32 reads over 8 calls: the heaviest call holds one classification and its sample.
    expect(Math.max(...reads)).toBeLessThanOrEqual(58);
    for (const c of calls) expect(c.filter((i) => ((asks[i] as QueueAsk).flags & ASK_DEAD) !== 0).length).toBeLessThanOrEqual(1);
    // The old plan (contiguous slices) put all of it in the first call.
    const slices = [0, 250, 500, 750, 1000, 1250, 1500, 1750].map((s) => Array.from({ length: 250 }, (_, k) => s + k));
    expect(readsPerCall(asks, slices)[0]).toBe(4 * 58 + 32);
  });

  it('makes more, smaller calls when the planned reads exceed plannedReadsPerCall per call', () => {
    // 200 queues fit one call, but 4 classifications (50 each) and 4 samples (8 each) do not fit 48 reads.
    const asks = Array.from({ length: 200 }, (_, i) => ask(i, i < 4 ? ASK_DEAD | ASK_DEEP : 0));
    const calls = packChunks(asks, L);
    expect(calls.length).toBe(Math.ceil((4 * 58) / 48));
    expect(Math.max(...readsPerCall(asks, calls))).toBe(58);
    expect(Math.max(...calls.map((c) => c.length)) - Math.min(...calls.map((c) => c.length))).toBeLessThanOrEqual(1);
  });

  it('counts a never-read head as a read and a small Q.dead as the letters it holds', () => {
    expect(expectedReads(ask(0, 0, 0, -1), L)).toBe(1);
    expect(expectedReads(ask(0, 0, 0, 3), L)).toBe(0);
    expect(expectedReads(ask(0, ASK_DEAD, 3), L)).toBe(3);
    expect(expectedReads(ask(0, ASK_DEAD, -1), L)).toBe(50);
    expect(expectedReads(ask(0, ASK_HEAD | ASK_SUBS), L)).toBe(4);
    expect(packChunks([], L)).toEqual([]);
  });
});
