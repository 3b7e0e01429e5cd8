// A sliding-window counter in fixed time buckets with a running total: adding and reading are
// O(1) amortised, so per-step bookkeeping stays cheap even at speed 100.

import type { EpochMs } from '../../core/snapshot.js';

export class RollingCounter {
  private readonly buckets: Float64Array;
  private headId = -Infinity;
  private total = 0;

  constructor(
    readonly windowMs: number,
    readonly bucketMs: number,
  ) {
    this.buckets = new Float64Array(Math.max(1, Math.ceil(windowMs / bucketMs)));
  }

  add(at: EpochMs, n = 1): void {
    if (n === 0) return;
    this.advance(at);
    const slot = this.slotOf(Math.floor(at / this.bucketMs));
    this.buckets[slot] = (this.buckets[slot] ?? 0) + n;
    this.total += n;
  }

  /** Sum over the window ending at `at`. */
  sum(at: EpochMs): number {
    this.advance(at);
    return this.total;
  }

  private slotOf(id: number): number {
    const n = this.buckets.length;
    return ((id % n) + n) % n;
  }

  private advance(at: EpochMs): void {
    const id = Math.floor(at / this.bucketMs);
    if (id <= this.headId) return;
    const n = this.buckets.length;
    if (!Number.isFinite(this.headId) || id - this.headId >= n) {
      this.buckets.fill(0);
      this.total = 0;
    } else {
      for (let b = this.headId + 1; b <= id; b++) {
        const slot = this.slotOf(b);
        this.total -= this.buckets[slot] ?? 0;
        this.buckets[slot] = 0;
      }
    }
    this.headId = id;
    if (this.total < 1e-9) this.total = 0; // float dust after many subtractions
  }
}
