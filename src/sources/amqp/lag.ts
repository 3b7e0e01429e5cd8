// Queue lag from what a head peek saw, plus the per-queue memory that needs: when an unstamped
// head was first seen, which malformed messages were already counted, and the recent lag values
// for the trend sparkline. The lag arithmetic itself (contract section 2) is src/domain/duration.ts. Pure.
import type { EpochMs } from '../../core/snapshot.js';
import { headLag, type LagReading } from '../../domain/duration.js';
import type { TaskMessageInfo } from './taskMessage.js';

export type { LagReading };

/** Bounded insertion-ordered set: the oldest entries go first. */
class BoundedKeys {
  private keys = new Map<string, EpochMs>();
  constructor(private readonly capacity: number) {}
  get(k: string): EpochMs | undefined {
    return this.keys.get(k);
  }
  add(k: string, at: EpochMs): boolean {
    if (this.keys.has(k)) return false;
    this.keys.set(k, at);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return true;
  }
}

interface QueueMemory {
  firstSeen: BoundedKeys;
  unreadableKeys: BoundedKeys;
  unreadable: number;
  trend: number[];
}

export class LagBook {
  private queues = new Map<string, QueueMemory>();

  constructor(private readonly trendLength = 30) {}

  private mem(queue: string): QueueMemory {
    let m = this.queues.get(queue);
    if (!m) {
      m = { firstSeen: new BoundedKeys(64), unreadableKeys: new BoundedKeys(10_000), unreadable: 0, trend: [] };
      this.queues.set(queue, m);
    }
    return m;
  }

  /**
   * The lag of a head message: exact from `lsos_sent_at`, else since the cockpit first saw this
   * message at the head (a lower bound, and labelled so).
   */
  fromHead(queue: string, head: TaskMessageInfo, now: EpochMs): LagReading {
    if (head.sentAt !== null) return headLag(now, head.sentAt, now);
    const m = this.mem(queue);
    m.firstSeen.add(head.key, now);
    return headLag(now, null, m.firstSeen.get(head.key) ?? now);
  }

  /** Counts a malformed message once, however many reads see it. */
  countUnreadable(queue: string, key: string, now: EpochMs): void {
    const m = this.mem(queue);
    if (m.unreadableKeys.add(key, now)) m.unreadable += 1;
  }

  unreadable(queue: string): number {
    return this.queues.get(queue)?.unreadable ?? 0;
  }

  /** Appends a lag value (null is skipped) and returns the trend, oldest first. */
  trend(queue: string, lagSeconds: number | null): number[] {
    const m = this.mem(queue);
    if (lagSeconds !== null) {
      m.trend.push(Math.round(lagSeconds * 10) / 10);
      if (m.trend.length > this.trendLength) m.trend.splice(0, m.trend.length - this.trendLength);
    }
    return [...m.trend];
  }
}
