// Duration strings in scenario files: "250ms", "30s", "5m", "1h30m", "2d".

import { parseDurationMs } from '../../core/duration.js';

/** Milliseconds for a duration string, or null when it is not one. */
export const parseDuration = parseDurationMs;

/** "90s" -> "1m30s": for control results and event descriptions. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
