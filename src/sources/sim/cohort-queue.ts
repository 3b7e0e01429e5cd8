// A broker queue's ready messages as FIFO cohorts, never one object per message: a backlog of
// a million messages is a few hundred cohorts. A cohort is messages published at about the same
// time, with the same stamping, counted per lane (task name + retry attempt).

import type { EpochMs } from '../../core/snapshot.js';
import { allocate } from './prng.js';

export interface Cohort {
  /** Publish time of the cohort's oldest message (`lsos_sent_at` when stamped). */
  sentAt: EpochMs;
  /** Whether the producer stamped `lsos_sent_at` on these messages. */
  stamped: boolean;
  /** Messages per lane index. */
  counts: number[];
  total: number;
}

/** Messages published within this much of each other share a cohort (lag resolution). */
const MERGE_WINDOW_MS = 1000;

/**
 * At most this many cohorts are kept: past it, neighbouring cohorts behind the head are merged in
 * pairs (the older one's publish time and stamping, which are those of the merged cohort's oldest
 * message). A backlog growing for hours (a dead worker pool at speed 60) otherwise added a cohort
 * or two per step for ever; now its memory is bounded and its lag resolution degrades gently
 * (about span / 1024: 35 s for a ten-hour backlog) for the messages far from the head.
 */
export const MAX_COHORTS = 1024;
/** Cohorts nearest the head that are never merged: the lag of what is consumed next stays exact. */
const EXACT_HEAD = 64;

export class CohortQueue {
  private cohorts: Cohort[] = [];
  /** Index of the head cohort: shifting arrays is O(n), so the head walks and we compact now and then. */
  private head = 0;
  private size = 0;

  get depth(): number {
    return this.size;
  }

  /** The oldest ready cohort, or null when the queue is empty. */
  peek(): Cohort | null {
    return this.cohorts[this.head] ?? null;
  }

  /** Publish `count` messages of one lane at the tail. */
  push(sentAt: EpochMs, stamped: boolean, lane: number, count: number): void {
    if (count <= 0) return;
    const tail = this.cohorts.length > this.head ? this.cohorts[this.cohorts.length - 1] : undefined;
    let c: Cohort;
    if (tail && tail.stamped === stamped && sentAt >= tail.sentAt && sentAt - tail.sentAt < MERGE_WINDOW_MS) {
      c = tail;
    } else {
      c = { sentAt, stamped, counts: [], total: 0 };
      this.cohorts.push(c);
      if (this.cohorts.length - this.head > MAX_COHORTS) this.coarsen();
    }
    while (c.counts.length <= lane) c.counts.push(0);
    c.counts[lane] = (c.counts[lane] ?? 0) + count;
    c.total += count;
    this.size += count;
  }

  /** Put messages back at the head (a broker redelivering unacked messages of a lost consumer). */
  pushFront(sentAt: EpochMs, stamped: boolean, counts: readonly number[]): void {
    const total = counts.reduce((a, b) => a + b, 0);
    if (total <= 0) return;
    const c: Cohort = { sentAt, stamped, counts: counts.slice(), total };
    if (this.head > 0) {
      this.head--;
      this.cohorts[this.head] = c;
    } else {
      this.cohorts.unshift(c);
    }
    this.size += total;
  }

  /** Take up to `n` messages from the head; returns how many were taken per lane. */
  take(n: number, laneCount: number): number[] {
    const taken = new Array<number>(laneCount).fill(0);
    let want = Math.min(n, this.size);
    while (want > 0) {
      const c = this.cohorts[this.head];
      if (!c) break;
      const k = Math.min(want, c.total);
      const part = k === c.total ? c.counts.slice() : allocate(c.counts, k);
      part.forEach((v, i) => {
        if (v === 0) return;
        while (taken.length <= i) taken.push(0);
        taken[i] = (taken[i] ?? 0) + v;
        c.counts[i] = (c.counts[i] ?? 0) - v;
      });
      c.total -= k;
      this.size -= k;
      want -= k;
      if (c.total <= 0) this.head++;
    }
    this.compact();
    return taken;
  }

  /** How many cohorts the queue holds (bounded by MAX_COHORTS + 1). */
  get cohortCount(): number {
    return this.cohorts.length - this.head;
  }

  /** Merges neighbouring cohorts in pairs, except the head's first EXACT_HEAD and the tail (still filling). */
  private coarsen(): void {
    const live = this.cohorts.slice(this.head);
    const out = live.slice(0, EXACT_HEAD);
    const last = live.length - 1;
    for (let i = EXACT_HEAD; i < last; i += 2) {
      const a = live[i] as Cohort;
      const b = i + 1 < last ? live[i + 1] : undefined;
      if (b) {
        const counts = a.counts.slice();
        b.counts.forEach((v, lane) => (counts[lane] = (counts[lane] ?? 0) + v));
        out.push({ sentAt: Math.min(a.sentAt, b.sentAt), stamped: a.stamped, counts, total: a.total + b.total });
      } else out.push(a);
    }
    out.push(live[last] as Cohort);
    this.cohorts = out;
    this.head = 0;
  }

  private compact(): void {
    if (this.head > 256 && this.head * 2 > this.cohorts.length) {
      this.cohorts = this.cohorts.slice(this.head);
      this.head = 0;
    }
  }
}
