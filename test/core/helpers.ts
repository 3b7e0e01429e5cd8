// Hand-built snapshots for unit tests of the pure core.
import { emptyFailures, emptySnapshot, type QueueSnapshot, type Snapshot } from '../../src/core/snapshot.js';

export function queue(name: string, over: Partial<QueueSnapshot> = {}): QueueSnapshot {
  return {
    name,
    depth: 0,
    reserved: 0,
    consumers: 1,
    lagSeconds: 0,
    lagMethod: 'empty',
    deadLetters: 0,
    deadLetterGrowthPerHour: 0,
    deadLetterBaselinePerHour: 2,
    deadLetterBaselineSource: '7d',
    failuresByClass: emptyFailures(),
    topFailingTasks: [],
    drainPerMinute: 0,
    unreadable: 0,
    lagTrend: [],
    ...over,
  };
}

export function snap(over: Partial<Snapshot> = {}, at = 1_700_000_000_000): Snapshot {
  const base = emptySnapshot(at);
  return {
    ...base,
    workers: [
      {
        hostname: 'w1@crawl',
        queues: ['crawl', 'rank', 'reporting'],
        concurrency: 4,
        active: 1,
        lastHeartbeatAt: at,
        online: true,
        offlineSince: null,
      },
    ],
    ...over,
  };
}
