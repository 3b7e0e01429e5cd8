// Dead letters on RabbitMQ (contract section 3): what each recent one says (x-death, lsos
// headers, task, the exception from the matching task event) and how fast they arrive.
// Pure bookkeeping; the taps and probes that feed it do the I/O.
import type { EpochMs } from '../../core/snapshot.js';
import { readTaskMessage, readXDeath, type RawAmqpMessage, type UnreadableReason } from './taskMessage.js';

export interface DeadLetterDetail {
  /** The work queue the message died in. */
  queue: string;
  taskId: string | null;
  task: string | null;
  /** x-death reason: `rejected`, `expired`, `maxlen`, `delivery_limit`. */
  reason: string | null;
  /** How many times it was dead-lettered from that queue for that reason. */
  deathCount: number;
  deadAt: EpochMs | null;
  /** `lsos_sent_at` of the message, epoch ms. */
  sentAt: EpochMs | null;
  /** `lsos_*` headers (replay lineage: lsos_replay_of, lsos_replay_count, …). */
  lsosHeaders: Record<string, string>;
  /** From the task-failed (else last task-retried) event with the same task id, when seen. */
  exceptionType: string | null;
  exceptionMessage: string | null;
  unreadable: UnreadableReason | null;
  /** `live`: copied from lsos.dlx as it died; `sampled`: read from the head of Q.dead and given back. */
  seenVia: 'live' | 'sampled';
}

export interface TaskException {
  type: string;
  message: string | null;
  at: EpochMs;
}

export function deadLetterDetail(
  msg: RawAmqpMessage,
  queue: string,
  seenVia: DeadLetterDetail['seenVia'],
  nowMs: EpochMs,
  maxBytes: number,
): DeadLetterDetail {
  const info = readTaskMessage(msg, nowMs, maxBytes);
  const deaths = readXDeath(msg.properties.headers);
  const death = deaths.find((d) => d.queue === queue) ?? deaths[0] ?? null;
  // A dead letter is expected to be a task message; `headers` missing x-death is still one.
  return {
    queue,
    taskId: info.taskId,
    task: info.task,
    reason: death?.reason ?? null,
    deathCount: death?.count ?? 0,
    deadAt: death?.at ?? null,
    sentAt: info.sentAt === null ? null : Math.round(info.sentAt * 1000),
    lsosHeaders: info.lsosHeaders,
    exceptionType: null,
    exceptionMessage: null,
    unreadable: info.unreadable,
    seenVia,
  };
}

/** Bounded most-recent-first list of dead-letter details for one queue. */
export class RecentDeadLetters {
  private items: DeadLetterDetail[] = [];
  constructor(private readonly capacity: number) {}

  add(d: DeadLetterDetail): void {
    // A sampled letter already seen live (or sampled before) is not listed twice.
    if (d.taskId && this.items.some((x) => x.taskId === d.taskId && x.deathCount === d.deathCount)) return;
    this.items.unshift(d);
    if (this.items.length > this.capacity) this.items.length = this.capacity;
  }

  list(exceptions: (taskId: string) => TaskException | undefined): DeadLetterDetail[] {
    return this.items.map((d) => {
      const exc = d.taskId ? exceptions(d.taskId) : undefined;
      return exc ? { ...d, exceptionType: exc.type, exceptionMessage: exc.message } : { ...d };
    });
  }

  get size(): number {
    return this.items.length;
  }
}

/**
 * Dead-letter arrivals over time, for growth per hour and the observed baseline. Arrivals come
 * from the live tap when it runs, else from increases of the Q.dead count between reads.
 */
export class DeadLetterRate {
  private arrivals: { at: EpochMs; n: number }[] = [];
  private total = 0;
  private lastCount: number | null = null;

  constructor(
    private readonly startedAt: EpochMs,
    private readonly windowMs: number,
  ) {}

  record(at: EpochMs, n = 1): void {
    if (n <= 0) return;
    this.arrivals.push({ at, n });
    this.total += n;
  }

  /** Feeds a Q.dead count; only used when no live tap is counting arrivals. */
  observeCount(at: EpochMs, count: number, countArrivals: boolean): void {
    if (countArrivals && this.lastCount !== null && count > this.lastCount) this.record(at, count - this.lastCount);
    this.lastCount = count;
  }

  private prune(now: EpochMs): void {
    const from = now - this.windowMs;
    while (this.arrivals.length > 0 && (this.arrivals[0]?.at ?? now) < from) this.arrivals.shift();
  }

  /** Arrivals in the recent window, per hour. Short observation is scaled up, but over at least 5 min. */
  growthPerHour(now: EpochMs): number {
    this.prune(now);
    let n = 0;
    for (const a of this.arrivals) n += a.n;
    const span = Math.max(5 * 60_000, Math.min(this.windowMs, now - this.startedAt));
    return (n * 3_600_000) / span;
  }

  /** Mean arrivals per hour over the whole observation; null before 10 minutes of watching. */
  observedBaselinePerHour(now: EpochMs): number | null {
    const span = now - this.startedAt;
    if (span < 10 * 60_000) return null;
    return (this.total * 3_600_000) / span;
  }
}
