// Which queues go into which script call this tick. Redis serves nobody else while a script runs,
// so each call must stay short (issue 16: ≤ 2 ms of Redis time per call). Counting a queue costs
// about 1 µs inside the script; reading a message about 6–7 µs (copied into Lua and decoded, a
// small one). The planned reads (re-read heads, readability samples, dead-letter classes) were
// each the oldest turn first, so they clustered in the first call: that one call read its full
// budget every tick (~1 ms idle, 2.5 ms under load) while the others only counted (~0.25 ms).
// Here the planned reads are spread over the calls, the heaviest first onto the lightest call,
// and a tick with more planned reads than plannedReadsPerCall per call gets more (smaller) calls.
// Still one pipeline, one round trip.
import { ASK_DEAD, ASK_DEEP, ASK_HEAD, ASK_SUBS, type QueueAsk } from './inspectScript.js';

export interface ChunkPlanLimits {
  /** Queues per call at most. */
  queuesPerCall: number;
  /** Planned message reads per call the plan aims at (more calls rather than more per call). */
  plannedReadsPerCall: number;
  /** Messages a readability sample reads (a DEEP ask). */
  sampleDepth: number;
  /** Dead letters a dead-letter classification reads at most (a DEAD ask). */
  deadSample: number;
}

/**
 * Messages the script will read for this ask, as far as the caller knows: its planned reads, and
 * one for a ready list never read (the script reads a head whose length it has not seen).
 */
export function expectedReads(a: QueueAsk, l: ChunkPlanLimits): number {
  let n = 0;
  const f = a.flags;
  if ((f & ASK_HEAD) !== 0) n += (f & ASK_SUBS) !== 0 ? 4 : 1;
  else if ((a.lastLens[0] ?? -1) < 0) n += 1;
  if ((f & ASK_DEEP) !== 0) n += l.sampleDepth;
  if ((f & ASK_DEAD) !== 0) n += a.lastDead >= 0 ? Math.min(a.lastDead, l.deadSample) : l.deadSample;
  return n;
}

/** Reads planned by the caller's budgets (not the first reads of never-read heads, which the calls' caps pace). */
function plannedReads(a: QueueAsk, l: ChunkPlanLimits): number {
  return (a.flags & (ASK_HEAD | ASK_DEEP | ASK_DEAD)) !== 0 ? expectedReads(a, l) : 0;
}

/**
 * `indices` (each below `n`) by `weight`, heaviest first, equal weights in index order. Sorted as
 * the numbers i - weight x n (i is the key modulo n): a typed array's own sort, no comparator
 * closure made per tick (it lost its optimised code at every full GC).
 */
export function heaviestFirst(indices: readonly number[], weight: Int32Array, n: number): Int32Array {
  const keys = new Float64Array(indices.length);
  for (let h = 0; h < indices.length; h++) {
    const i = indices[h] as number;
    keys[h] = i - (weight[i] as number) * n;
  }
  keys.sort();
  const out = new Int32Array(keys.length);
  for (let h = 0; h < keys.length; h++) out[h] = (((keys[h] as number) % n) + n) % n;
  return out;
}

/**
 * The calls of a tick as lists of indices into `asks` (each ascending; every index exactly once;
 * at most queuesPerCall per call). Calls: enough for the queues, and enough that the planned reads
 * come to about plannedReadsPerCall each. Asks that read go heaviest first to the call with the
 * fewest expected reads that has room; the others fill the room left, in queue order.
 */
export function packChunks(asks: readonly QueueAsk[], l: ChunkPlanLimits): number[][] {
  const n = asks.length;
  if (n === 0) return [];
  const perCall = Math.max(1, Math.floor(l.queuesPerCall));
  let planned = 0;
  const weight = new Int32Array(n);
  const heavy: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = asks[i] as QueueAsk;
    const w = expectedReads(a, l);
    weight[i] = w;
    if (w > 0) heavy.push(i);
    planned += plannedReads(a, l);
  }
  const calls = Math.min(n, Math.max(Math.ceil(n / perCall), Math.ceil(planned / Math.max(1, l.plannedReadsPerCall))));
  const room = Math.ceil(n / calls);
  const load = new Float64Array(calls);
  const size = new Int32Array(calls);
  const callOf = new Int32Array(n).fill(-1);
  // Heaviest first (equal weights in queue order), each onto the lightest call with room.
  const order = heaviestFirst(heavy, weight, n);
  for (let h = 0; h < order.length; h++) {
    const i = order[h] as number;
    let best = -1;
    for (let c = 0; c < calls; c++) {
      if ((size[c] as number) >= room) continue;
      if (best < 0 || (load[c] as number) < (load[best] as number)) best = c;
    }
    callOf[i] = best;
    load[best] = (load[best] as number) + (weight[i] as number);
    size[best] = (size[best] as number) + 1;
  }
  let c = 0;
  for (let i = 0; i < n; i++) {
    if ((callOf[i] as number) >= 0) continue;
    while ((size[c] as number) >= room) c += 1;
    callOf[i] = c;
    size[c] = (size[c] as number) + 1;
  }
  const out: number[][] = Array.from({ length: calls }, () => []);
  for (let i = 0; i < n; i++) (out[callOf[i] as number] as number[]).push(i);
  return out;
}
