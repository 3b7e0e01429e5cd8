// Durations: the one parser of duration strings, the one family of duration formats, Celery's
// heartbeat expiry, and queue lag (LSOS contract section 2) as arithmetic on times.

// ---- Parsing ----------------------------------------------------------------------------------

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds for a duration string as scenario and config files write them ("250ms", "90s",
 * "15m", "1h30m", "2d"), or null when it is not one.
 */
export function parseDurationMs(text: string): number | null {
  const s = text.trim();
  if (s === '') return null;
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    part.lastIndex = pos;
    const m = part.exec(s);
    if (!m || m[1] === undefined || m[2] === undefined) return null;
    total += Number(m[1]) * (UNIT_MS[m[2]] ?? Number.NaN);
    pos = part.lastIndex;
  }
  return Number.isFinite(total) ? total : null;
}

// ---- Formatting -------------------------------------------------------------------------------
// One family: the same split into days, hours, minutes and seconds, written four ways for four
// places. Each keeps the exact text its readers (screens, journals, PIR exports, tests) know.

interface Parts {
  d: number;
  h: number;
  m: number;
  s: number;
}

/** Whole seconds split into days, hours, minutes, seconds. */
function split(wholeSeconds: number): Parts {
  return {
    d: Math.floor(wholeSeconds / 86400),
    h: Math.floor((wholeSeconds % 86400) / 3600),
    m: Math.floor((wholeSeconds % 3600) / 60),
    s: wholeSeconds % 60,
  };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * For a dense table column, at most 6 characters: `45s`, `3m10s`, `23m`, `2h05m`, `3d04h`; `∞`
 * for an infinite figure (an unreachable replica's lag). Seconds in.
 */
export function formatDurationColumn(seconds: number): string {
  if (!Number.isFinite(seconds)) return '∞';
  const v = Math.max(0, Math.round(seconds));
  const p = split(v);
  if (v < 60) return `${v}s`;
  if (v < 600) return `${Math.floor(v / 60)}m${pad2(p.s)}s`;
  if (v < 3600) return `${Math.floor(v / 60)}m`;
  if (v < 86400) return `${p.h}h${pad2(p.m)}m`;
  return `${p.d}d${pad2(p.h)}h`;
}

/** For a one-line detail (triggers, checklist): `45s`, `3m10s`, `2h05m`, `30h00m`. Seconds in. */
export function formatDurationDetail(seconds: number): string {
  const v = Math.max(0, Math.round(seconds));
  if (v < 60) return `${v}s`;
  if (v < 3600) return `${Math.floor(v / 60)}m${pad2(v % 60)}s`;
  return `${Math.floor(v / 3600)}h${pad2(split(v).m)}m`;
}

/** For the timeline and the PIR: `1h 02m 03s`, `4m 05s`, `12s`, `850ms`; a negative one keeps its sign. Milliseconds in. */
export function formatDurationLong(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const rest = Math.abs(Math.round(ms));
  if (rest < 1000) return `${sign}${rest}ms`;
  const p = split(Math.floor(rest / 1000));
  if (p.d > 0) return `${sign}${p.d}d ${pad2(p.h)}h ${pad2(p.m)}m ${pad2(p.s)}s`;
  if (p.h > 0) return `${sign}${p.h}h ${pad2(p.m)}m ${pad2(p.s)}s`;
  if (p.m > 0) return `${sign}${p.m}m ${pad2(p.s)}s`;
  return `${sign}${p.s}s`;
}

/**
 * As scenario and config files write a duration, so parseDurationMs reads it back: `250ms`,
 * `1m30s`, `1h5s`, `26h`. Milliseconds in; whole seconds from one second on.
 */
export function formatDurationSpec(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const v = Math.round(ms / 1000);
  const h = Math.floor(v / 3600);
  const m = Math.floor((v % 3600) / 60);
  const s = v % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

// ---- Worker heartbeats ------------------------------------------------------------------------

/** celery/events/state.py HEARTBEAT_EXPIRE_WINDOW: a heartbeat lasts this percentage of `freq`. */
export const HEARTBEAT_EXPIRE_WINDOW = 200;

/**
 * How long a heartbeat keeps a worker alive, in seconds: celery.events.state.heartbeat_expires is
 * `timestamp + freq * (expire_window / 1e2)`, and a worker is alive while `now < expires`.
 */
export function heartbeatLifetimeSeconds(freqSeconds: number, expireWindow = HEARTBEAT_EXPIRE_WINDOW): number {
  return freqSeconds * (expireWindow / 1e2);
}

// ---- Queue lag (contract section 2) -----------------------------------------------------------

/**
 * How a queue's lag was obtained.
 * - `stamped`: now - lsos_sent_at of the oldest ready message (exact).
 * - `first-seen`: the head message carried no stamp; lag since the cockpit first saw it (a lower bound).
 * - `drain-rate`: backlog divided by the observed drain rate (an estimate).
 * - `empty`: no ready message, lag is 0.
 * - `unknown`: nothing to go on.
 */
export type LagMethod = 'stamped' | 'first-seen' | 'drain-rate' | 'empty' | 'unknown';

export interface LagReading {
  lagSeconds: number | null;
  lagMethod: LagMethod;
}

/** Seconds from `sinceMs` to `nowMs` (epoch ms), never negative: a clock step back is not negative lag. */
export function secondsSince(nowMs: number, sinceMs: number): number {
  return Math.max(0, (nowMs - sinceMs) / 1000);
}

/**
 * The lag of a ready head message at `nowMs`: exact from its `lsos_sent_at` (float epoch seconds,
 * as LSOS stamps it), else since the cockpit first saw that message at the head (a lower bound,
 * and labelled so).
 */
export function headLag(nowMs: number, sentAtSeconds: number | null, firstSeenMs: number): LagReading {
  if (sentAtSeconds !== null) return { lagSeconds: Math.max(0, nowMs / 1000 - sentAtSeconds), lagMethod: 'stamped' };
  return { lagSeconds: secondsSince(nowMs, firstSeenMs), lagMethod: 'first-seen' };
}

/** A queue's lag over its parts (Redis priority lists): the oldest head; exact only when every head was stamped. */
export function oldestLag(heads: readonly LagReading[]): LagReading {
  if (heads.length === 0) return { lagSeconds: 0, lagMethod: 'empty' };
  const lag = Math.max(0, ...heads.map((h) => h.lagSeconds ?? 0));
  return { lagSeconds: lag, lagMethod: heads.every((h) => h.lagMethod === 'stamped') ? 'stamped' : 'first-seen' };
}

/** Backlog over drain rate, when there is no head to read (peeking off, or it vanished). */
export function drainRateLag(depth: number, drainPerMinute: number): LagReading {
  if (depth === 0) return { lagSeconds: 0, lagMethod: 'empty' };
  if (drainPerMinute > 0) return { lagSeconds: (depth / drainPerMinute) * 60, lagMethod: 'drain-rate' };
  return { lagSeconds: null, lagMethod: 'unknown' };
}
