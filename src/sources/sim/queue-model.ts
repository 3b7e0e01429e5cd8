// One broker queue in the model: ready messages (cohorts), its dead-letter queue `Q.dead`, and the
// rolling numbers the runbook's queue triage reads (lag, drain, dead-letter growth, failures).

import {
  FAILURE_CLASSES,
  emptyFailures,
  type EpochMs,
  type FailureClass,
  type LagMethod,
  type QueueSnapshot,
  type TaskFailureCount,
  type TaskOutcome,
} from '../../core/snapshot.js';
import { secondsSince } from '../../domain/duration.js';
import { CohortQueue } from './cohort-queue.js';
import { allocate } from './prng.js';
import { RollingCounter } from './rolling-counter.js';
import type { QueueSpec, TaskSpec } from './scenario-types.js';
import { compareText } from '../../domain/textOrder.js';

/** Dead-letter growth is measured over this recent window. */
export const DEAD_LETTER_WINDOW_MS = 10 * 60_000;
/** failuresByClass / topFailingTasks window (snapshot: "over the recent window (1 h)"). */
export const FAILURE_WINDOW_MS = 60 * 60_000;
const DRAIN_WINDOW_MS = 60_000;
const LAG_SAMPLE_EVERY_MS = 10_000;
/** 15 minutes of lag samples: the queue panel's sparkline spans the runbook's lag line in time too. */
const LAG_SAMPLES = 90;
const HOUR_MS = 3_600_000;

/** Messages of one task at one retry attempt in one queue. */
export interface Lane {
  index: number;
  queue: QueueModel;
  task: TaskSpec;
  /** 0 for a first delivery, n for the n-th retry. */
  attempt: number;
}

export type DeadReason = 'max_retries' | 'rejected';

export interface DeadLetterBucket {
  task: string;
  exception: string;
  failureClass: FailureClass;
  reason: DeadReason;
  /** Retry attempt the task died at (its `retries` header, kept on replay). */
  attempt: number;
  /** Earliest and latest time a message of this bucket was dead-lettered. */
  firstDeadAt: EpochMs;
  lastDeadAt: EpochMs;
  count: number;
}

export class QueueModel {
  readonly ready = new CohortQueue();
  readonly lanes: Lane[] = [];
  private readonly laneByTask = new Map<string, Lane[]>();
  private readonly dead = new Map<string, DeadLetterBucket>();
  deadTotal = 0;
  /** Dead letters added since the observation started (for an observed baseline). */
  private deadAddedSinceStart = 0;
  private readonly deadAdded = new RollingCounter(DEAD_LETTER_WINDOW_MS, 10_000);
  private readonly drained = new RollingCounter(DRAIN_WINDOW_MS, 1000);
  private readonly failures = new Map<string, Record<FailureClass, RollingCounter>>();
  /** Per task: last success and last failure for good per class, as task events would show them. */
  private readonly outcomes = new Map<string, TaskOutcome>();
  private readonly lagSamples: number[] = [];
  private nextLagSampleAt: EpochMs;
  /** Messages held by workers, kept up to date by the simulation. */
  reserved = 0;

  constructor(
    readonly spec: QueueSpec,
    /** When the cockpit started watching: the simulation start (first-seen lags are measured from it). */
    private readonly observedFrom: EpochMs,
  ) {
    this.nextLagSampleAt = observedFrom;
  }

  get name(): string {
    return this.spec.name;
  }

  lane(task: TaskSpec, attempt: number): Lane {
    // By name, then attempt: no key string made for every publish (start-up, issue 16).
    let byAttempt = this.laneByTask.get(task.name);
    if (!byAttempt) this.laneByTask.set(task.name, (byAttempt = []));
    let lane = byAttempt[attempt];
    if (!lane) {
      lane = { index: this.lanes.length, queue: this, task, attempt };
      this.lanes.push(lane);
      byAttempt[attempt] = lane;
    }
    return lane;
  }

  recordDrained(at: EpochMs, n: number): void {
    this.drained.add(at, n);
  }

  recordFailures(at: EpochMs, task: string, c: FailureClass, n: number): void {
    let byClass = this.failures.get(task);
    if (!byClass) {
      byClass = {} as Record<FailureClass, RollingCounter>;
      for (const k of FAILURE_CLASSES) byClass[k] = new RollingCounter(FAILURE_WINDOW_MS, 10_000);
      this.failures.set(task, byClass);
    }
    byClass[c].add(at, n);
  }

  /** A task finished in this queue: succeeded (`failed` null) or failed for good with that class. */
  recordOutcome(at: EpochMs, task: string, failed: FailureClass | null): void {
    let o = this.outcomes.get(task);
    if (!o) {
      o = { task, lastSuccessAt: null, lastFailureAt: {} };
      this.outcomes.set(task, o);
    }
    if (failed === null) o.lastSuccessAt = at;
    else o.lastFailureAt[failed] = at;
  }

  addDeadLetters(at: EpochMs, b: Omit<DeadLetterBucket, 'count' | 'lastDeadAt' | 'firstDeadAt'>, n: number, countAsGrowth = true): void {
    if (n <= 0) return;
    const key = deadKey(b);
    const bucket = this.dead.get(key);
    if (bucket) {
      bucket.count += n;
      bucket.lastDeadAt = Math.max(bucket.lastDeadAt, at);
      bucket.firstDeadAt = Math.min(bucket.firstDeadAt, at);
    } else {
      this.dead.set(key, { ...b, firstDeadAt: at, lastDeadAt: at, count: n });
    }
    this.deadTotal += n;
    if (countAsGrowth) {
      this.deadAdded.add(at, n);
      if (at >= this.observedFrom) this.deadAddedSinceStart += n;
    }
  }

  /** Take up to `max` dead letters out of `Q.dead` (only buckets `only` accepts), spread over what is there. */
  takeDeadLetters(max: number, only: (b: DeadLetterBucket) => boolean = () => true): DeadLetterBucket[] {
    const buckets = [...this.dead.values()].filter((b) => only(b));
    const parts = allocate(
      buckets.map((b) => b.count),
      Math.min(
        max,
        buckets.reduce((n, b) => n + b.count, 0),
      ),
    );
    const out: DeadLetterBucket[] = [];
    buckets.forEach((b, i) => {
      const n = parts[i] ?? 0;
      if (n <= 0) return;
      b.count -= n;
      this.deadTotal -= n;
      out.push({ ...b, count: n });
      if (b.count <= 0) this.dead.delete(deadKey(b));
    });
    return out;
  }

  deadLetterBreakdown(): DeadLetterBucket[] {
    return [...this.dead.values()].map((b) => ({ ...b })).sort((a, b) => b.count - a.count);
  }

  /** Lag of the oldest ready message (contract section 2). */
  lag(now: EpochMs): { seconds: number; method: LagMethod } {
    const head = this.ready.peek();
    if (!head) return { seconds: 0, method: 'empty' };
    if (head.stamped) return { seconds: secondsSince(now, head.sentAt), method: 'stamped' };
    // No lsos_sent_at: the cockpit only knows since when it has seen that head message.
    return { seconds: secondsSince(now, Math.max(head.sentAt, this.observedFrom)), method: 'first-seen' };
  }

  sampleLag(now: EpochMs): void {
    if (now < this.nextLagSampleAt) return;
    this.nextLagSampleAt = now + LAG_SAMPLE_EVERY_MS;
    this.lagSamples.push(Math.round(this.lag(now).seconds * 10) / 10);
    if (this.lagSamples.length > LAG_SAMPLES) this.lagSamples.shift();
  }

  snapshot(now: EpochMs, consumers: number, historyFrom: EpochMs): QueueSnapshot {
    const lag = this.lag(now);
    const failuresByClass = emptyFailures();
    const top: TaskFailureCount[] = [];
    for (const [task, byClass] of this.failures) {
      let total = 0;
      let worst: FailureClass = 'unclassified';
      let worstN = -1;
      for (const c of FAILURE_CLASSES) {
        const n = byClass[c].sum(now);
        failuresByClass[c] += n;
        total += n;
        if (n > worstN) {
          worst = c;
          worstN = n;
        }
      }
      if (total > 0) top.push({ task, count: total, failureClass: worst });
    }
    top.sort((a, b) => b.count - a.count || compareText(a.task, b.task));

    const baseline = this.baseline(now);
    const drainSpan = Math.min(DRAIN_WINDOW_MS, Math.max(1000, now - historyFrom));
    return {
      name: this.name,
      depth: this.ready.depth,
      reserved: this.reserved,
      consumers,
      lagSeconds: Math.round(lag.seconds * 10) / 10,
      lagMethod: lag.method,
      deadLetters: this.deadTotal,
      deadLetterGrowthPerHour: round1(this.deadLetterGrowthPerHour(now, historyFrom, baseline.perHour)),
      deadLetterBaselinePerHour: baseline.perHour === null ? null : round1(baseline.perHour),
      deadLetterBaselineSource: baseline.source,
      failuresByClass,
      topFailingTasks: top.slice(0, 5),
      drainPerMinute: round1((this.drained.sum(now) * 60_000) / drainSpan),
      unreadable: 0,
      lagTrend: this.lagSamples.slice(),
      lagTrendEveryMs: LAG_SAMPLE_EVERY_MS,
      taskOutcomes: [...this.outcomes.values()].map((o) => ({ ...o, lastFailureAt: { ...o.lastFailureAt } })),
    };
  }

  /**
   * Growth over the recent window, per hour. Where the window reaches back before the model has
   * history, that part is filled at the baseline rate (the hour before looked like a normal one),
   * so a few early dead letters do not read as a spike.
   */
  private deadLetterGrowthPerHour(now: EpochMs, historyFrom: EpochMs, baseline: number | null): number {
    const count = this.deadAdded.sum(now);
    const span = Math.min(DEAD_LETTER_WINDOW_MS, Math.max(0, now - historyFrom));
    if (baseline !== null) {
      return ((count + (baseline * (DEAD_LETTER_WINDOW_MS - span)) / HOUR_MS) * HOUR_MS) / DEAD_LETTER_WINDOW_MS;
    }
    return (count * HOUR_MS) / Math.max(span, 60_000);
  }

  private baseline(now: EpochMs): { perHour: number | null; source: QueueSnapshot['deadLetterBaselineSource'] } {
    if (this.spec.deadLetterBaselinePerHour !== null) return { perHour: this.spec.deadLetterBaselinePerHour, source: '7d' };
    // No 7-day history: the cockpit's own observation window, once it is long enough to mean something.
    const observed = now - this.observedFrom;
    if (observed < DEAD_LETTER_WINDOW_MS) return { perHour: null, source: null };
    return { perHour: (this.deadAddedSinceStart * HOUR_MS) / observed, source: 'observed' };
  }
}

function deadKey(b: Pick<DeadLetterBucket, 'task' | 'exception' | 'reason' | 'attempt'>): string {
  return `${b.task}|${b.exception}|${b.reason}|${b.attempt}`;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
