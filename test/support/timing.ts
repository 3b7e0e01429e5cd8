// Timing assertions that hold on a busy machine. A figure the code takes at some instant (a lag,
// an age) is compared with what it would be at the instants just before and after the call, not
// with a Date.now() read later; an upper bound on how long something took is the product's own
// figure plus LOAD_SLACK_MS: still far from a hang, never tripped by a loaded CI runner.
import { expect } from 'vitest';

/** What a busy machine may add to a timed operation (scheduling, garbage collection, a CPU hog). */
export const LOAD_SLACK_MS = 5_000;

/** Runs `fn`; its value and the wall-clock instants (ms) just before it started and after it ended. */
export async function bracketed<T>(fn: () => Promise<T>): Promise<{ value: T; before: number; after: number }> {
  const before = Date.now();
  const value = await fn();
  return { value, before, after: Date.now() };
}

/** `actual` lies within [lo, hi], widened by `tolerance` on both sides (rounding). */
export function expectBetween(actual: number | null | undefined, lo: number, hi: number, tolerance = 0, what = 'value'): void {
  expect(actual, `${what} (expected within [${lo}, ${hi}] ± ${tolerance})`).toBeTypeOf('number');
  expect(actual as number, `${what} ≥ ${lo} - ${tolerance}`).toBeGreaterThanOrEqual(lo - tolerance);
  expect(actual as number, `${what} ≤ ${hi} + ${tolerance}`).toBeLessThanOrEqual(hi + tolerance);
}
