// The recent course of each trigger's figure, for the war-room screen's trends: one sample every
// `everyMs` of data time (the simulation's time in a simulation), the last `keep` kept. Pure and
// bounded: a trigger that is no longer listed is dropped.
import type { EpochMs } from './snapshot.js';
import type { TriggerState } from './triggers.js';

export interface TriggerTrends {
  /** When the last sample was taken (data time); null before the first. */
  at: EpochMs | null;
  /** Figures per trigger id, oldest first. */
  series: Readonly<Record<string, readonly number[]>>;
}

export const TREND_EVERY_MS = 10_000;
export const TREND_KEEP = 30;

export const NO_TRENDS: TriggerTrends = { at: null, series: {} };

/**
 * Takes a sample of every listed trigger when `everyMs` has passed since the last one; else
 * returns `prev` itself (the same object: nothing to draw again).
 */
export function sampleTrends(
  prev: TriggerTrends,
  triggers: readonly TriggerState[],
  at: EpochMs,
  everyMs = TREND_EVERY_MS,
  keep = TREND_KEEP,
): TriggerTrends {
  if (prev.at !== null && at - prev.at < everyMs) return prev;
  const series: Record<string, readonly number[]> = {};
  for (const t of triggers) {
    const before = prev.series[t.key] ?? [];
    const v = Number.isFinite(t.value) ? t.value : (before[before.length - 1] ?? 0);
    series[t.key] = [...before.slice(-(keep - 1)), v];
  }
  return { at, series };
}

/** Which way a series went over its window: up, down or flat (within 5% of where it started). */
export function trendDirection(values: readonly number[]): 'rising' | 'falling' | 'steady' {
  if (values.length < 2) return 'steady';
  const first = values[0] ?? 0;
  const last = values[values.length - 1] ?? 0;
  const scale = Math.max(Math.abs(first), Math.abs(last), 1e-9);
  if (Math.abs(last - first) / scale < 0.05) return 'steady';
  return last > first ? 'rising' : 'falling';
}
