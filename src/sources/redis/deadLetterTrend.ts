// Dead-letter growth per hour and its baseline (LSOS contract section 3), from successive
// lengths of a `Q.dead` list. Pure, bounded: 60 one-minute buckets for the recent window and
// 168 + 24 one-hour buckets for up to 7 days of history and the previous 24 h, per queue.
//
// Growth counts only increases between readings: a replay or a purge shortens the list and is
// not negative growth. Several tasks dead-lettered and replayed between two readings go unseen;
// with a reading every few seconds that is rare and errs on the side of a lower figure.
import { WindowedCounter } from '../../core/celeryEvents.js';
import type { EpochMs } from '../../core/snapshot.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

export interface DeadLetterTrendOptions {
  /** The window of "growth per hour" (default 1 h). */
  recentWindowMs?: number;
  /** A rate over less than this much observation is extrapolated from this span (default 5 min). */
  minSpanMs?: number;
  /** The baseline needs this much history before the recent window (default 1 h); null before. */
  minBaselineSpanMs?: number;
  /** A configured baseline (per hour) wins over the observed one. */
  configuredBaselinePerHour?: number | null;
}

export interface DeadLetterFigures {
  growthPerHour: number;
  /** Dead letters added in the previous 24 h, once observed that long (else null). */
  last24h: number | null;
  baselinePerHour: number | null;
  baselineSource: '7d' | 'observed' | 'configured' | null;
}

export class DeadLetterTrend {
  /**
   * The counters, made at the first increase: most queues' dead letters never grow, and three
   * counters a queue were a third of the source's memory at 2,000 queues. Until then every sum is 0.
   */
  private counters: { recent: WindowedCounter; history: WindowedCounter; day: WindowedCounter } | null = null;
  private last: number | null = null;
  private firstAt: EpochMs | null = null;
  private readonly o: Required<DeadLetterTrendOptions>;
  /** The last figures given out: returned again while every figure is the same. */
  private given: DeadLetterFigures | null = null;

  constructor(opts: DeadLetterTrendOptions = {}) {
    this.o = {
      recentWindowMs: opts.recentWindowMs ?? HOUR,
      minSpanMs: opts.minSpanMs ?? 5 * MINUTE,
      minBaselineSpanMs: opts.minBaselineSpanMs ?? HOUR,
      configuredBaselinePerHour: opts.configuredBaselinePerHour ?? null,
    };
  }

  /** Records the list's length at `at`. The first reading sets the starting point only. */
  observe(length: number, at: EpochMs): void {
    if (this.firstAt === null) this.firstAt = at;
    if (this.last !== null && length > this.last) {
      const c = (this.counters ??= {
        recent: new WindowedCounter(MINUTE, Math.ceil(this.o.recentWindowMs / MINUTE), 1),
        history: new WindowedCounter(HOUR, 7 * 24, 1),
        day: new WindowedCounter(HOUR, 24, 1),
      });
      c.recent.add('n', at, length - this.last);
      c.history.add('n', at, length - this.last);
      c.day.add('n', at, length - this.last);
    }
    this.last = length;
  }

  figures(now: EpochMs): DeadLetterFigures {
    const c = this.counters;
    c?.recent.advance(now);
    c?.history.advance(now);
    c?.day.advance(now);
    const recent = c?.recent.sum() ?? 0;
    const history = c?.history.sum() ?? 0;
    const observed = this.firstAt === null ? 0 : now - this.firstAt;
    const span = Math.max(this.o.minSpanMs, Math.min(this.o.recentWindowMs, observed));
    const growthPerHour = recent / (span / HOUR);
    const last24h = observed >= 24 * HOUR ? (c?.day.sum() ?? 0) : null;
    let baselinePerHour: number | null;
    let baselineSource: DeadLetterFigures['baselineSource'];
    // The observation window before the recent one: a spike must not be its own baseline.
    const before = observed - this.o.recentWindowMs;
    if (this.o.configuredBaselinePerHour !== null) {
      baselinePerHour = this.o.configuredBaselinePerHour;
      baselineSource = 'configured';
    } else if (observed >= 7 * 24 * HOUR) {
      baselinePerHour = history / (7 * 24);
      baselineSource = '7d';
    } else if (before < this.o.minBaselineSpanMs) {
      baselinePerHour = null;
      baselineSource = null;
    } else {
      baselinePerHour = Math.max(0, history - recent) / (before / HOUR);
      baselineSource = 'observed';
    }
    const g = this.given;
    if (
      g &&
      g.growthPerHour === growthPerHour &&
      g.last24h === last24h &&
      g.baselinePerHour === baselinePerHour &&
      g.baselineSource === baselineSource
    )
      return g;
    this.given = { growthPerHour, last24h, baselinePerHour, baselineSource };
    return this.given;
  }
}
