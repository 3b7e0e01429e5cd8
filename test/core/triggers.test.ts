import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, evaluateTriggers, type TriggerState } from '../../src/core/triggers.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { queue, snap } from './helpers.js';

const T = DEFAULT_THRESHOLDS;

function firingKeys(s: Snapshot, prev: TriggerState[] = []): string[] {
  return evaluateTriggers(prev, s, T)
    .triggers.filter((t) => t.firing)
    .map((t) => t.key);
}

/** Runs a sequence of snapshots through the evaluator, returning the firing flag of `key` after each. */
function run(snaps: Snapshot[], key: string): boolean[] {
  let prev: TriggerState[] = [];
  const out: boolean[] = [];
  for (const s of snaps) {
    prev = evaluateTriggers(prev, s, T).triggers;
    out.push(prev.find((t) => t.key === key)?.firing ?? false);
  }
  return out;
}

describe('queue lag > 15 minutes (runbook 3)', () => {
  const at = (lag: number) => snap({ queues: [queue('crawl', { lagSeconds: lag, lagMethod: 'stamped', depth: 10 })] });
  it('does not fire at exactly 15 minutes or just below', () => {
    expect(firingKeys(at(900))).not.toContain('queue-lag:crawl');
    expect(firingKeys(at(899))).not.toContain('queue-lag:crawl');
  });
  it('fires just above 15 minutes, naming the queue, figure and method', () => {
    const { triggers, changes } = evaluateTriggers([], at(901), T);
    const t = triggers.find((x) => x.key === 'queue-lag:crawl');
    expect(t?.firing).toBe(true);
    expect(t?.section).toBe(3);
    expect(t?.detail).toContain('15m01s');
    expect(t?.detail).toContain('stamped');
    expect(changes).toHaveLength(1);
    expect(changes[0]?.fired).toBe(true);
  });
  it('hysteresis: hovering at the line does not flap; clears only at 80% of the threshold', () => {
    const seq = [901, 899, 905, 880, 721, 719, 850, 901].map(at);
    expect(run(seq, 'queue-lag:crawl')).toEqual([true, true, true, true, true, false, false, true]);
  });
  it('a cleared trigger stays listed as cleared', () => {
    let prev = evaluateTriggers([], at(1000), T).triggers;
    const r = evaluateTriggers(prev, at(10), T);
    expect(r.triggers.find((t) => t.key === 'queue-lag:crawl')?.firing).toBe(false);
    expect(r.changes[0]?.fired).toBe(false);
    prev = r.triggers;
    expect(evaluateTriggers(prev, at(10), T).changes).toHaveLength(0);
  });
  it('thresholds are configurable', () => {
    const r = evaluateTriggers([], at(301), { ...T, queueLagSeconds: 300 });
    expect(r.triggers.some((t) => t.key === 'queue-lag:crawl' && t.firing)).toBe(true);
  });
});

describe('dead-letter spike > 3x baseline (runbook 3)', () => {
  const at = (growth: number, baseline: number | null = 2) =>
    snap({ queues: [queue('rank', { deadLetterGrowthPerHour: growth, deadLetterBaselinePerHour: baseline })] });
  it('fires above 3x, not at or below', () => {
    expect(firingKeys(at(6))).not.toContain('dead-letter-spike:rank');
    expect(firingKeys(at(5.9))).not.toContain('dead-letter-spike:rank');
    expect(firingKeys(at(6.1))).toContain('dead-letter-spike:rank');
  });
  it('shows the baseline used', () => {
    const t = evaluateTriggers([], at(30), T).triggers.find((x) => x.key === 'dead-letter-spike:rank');
    expect(t?.detail).toContain('baseline 2.0/h (7d)');
  });
  it('a missing or zero baseline uses the floor, so one dead letter is not an infinite spike', () => {
    expect(firingKeys(at(3, 0))).not.toContain('dead-letter-spike:rank');
    expect(firingKeys(at(3.5, null))).toContain('dead-letter-spike:rank');
  });
  it('hysteresis band', () => {
    expect(
      run(
        [7, 5.9, 4.9, 4.7, 6.2].map((g) => at(g)),
        'dead-letter-spike:rank',
      ),
    ).toEqual([true, true, true, false, true]);
  });
});

describe('monthly report failures > 5% in a 1-hour window (runbook 4)', () => {
  const at = (failures: number, runs: number) => snap({ reporting: { runs, failures, windowMinutes: 60, failedCampaigns: ['c1'] } });
  it('at, below and above 5%', () => {
    expect(firingKeys(at(5, 100))).not.toContain('report-failures:reporting');
    expect(firingKeys(at(4, 100))).not.toContain('report-failures:reporting');
    expect(firingKeys(at(6, 100))).toContain('report-failures:reporting');
  });
  it('needs enough runs for a ratio to mean something', () => {
    expect(firingKeys(at(1, 3))).not.toContain('report-failures:reporting');
  });
  it('hysteresis', () => {
    expect(run([at(6, 100), at(5, 100), at(41, 1000), at(4, 100)], 'report-failures:reporting')).toEqual([true, true, true, false]);
  });
});

describe('SERP failure rate above threshold across multiple campaigns (runbook 5)', () => {
  const at = (failures: number, campaigns: number) =>
    snap({
      providers: [
        { name: 'brightpool', state: 'healthy', active: true, requests: 100, failures, campaignsAffected: campaigns, campaignsTotal: 40 },
      ],
    });
  it('at, below and above the rate', () => {
    expect(firingKeys(at(20, 10))).not.toContain('serp-failures:brightpool');
    expect(firingKeys(at(19, 10))).not.toContain('serp-failures:brightpool');
    expect(firingKeys(at(21, 10))).toContain('serp-failures:brightpool');
  });
  it('one campaign is not "multiple campaigns"', () => {
    expect(firingKeys(at(90, 1))).not.toContain('serp-failures:brightpool');
    expect(firingKeys(at(90, 2))).toContain('serp-failures:brightpool');
  });
  it('hysteresis', () => {
    expect(run([at(21, 5), at(17, 5), at(16, 5)], 'serp-failures:brightpool')).toEqual([true, true, false]);
  });
});

describe('database triggers (runbook 6)', () => {
  const rep = (lag: number | null, paused = false, reachable = true) =>
    snap({
      database: {
        ...snap().database,
        replicas: [{ name: 'replica-1', lagSeconds: lag, replayPaused: paused, seenFrom: 'both', reachable }],
      },
    });
  it('replica lag breach at, below and above', () => {
    expect(firingKeys(rep(60))).not.toContain('replica-lag:replica-1');
    expect(firingKeys(rep(59))).not.toContain('replica-lag:replica-1');
    expect(firingKeys(rep(61, true))).toContain('replica-lag:replica-1');
    expect(run([rep(61), rep(49), rep(47)], 'replica-lag:replica-1')).toEqual([true, true, false]);
  });
  it('an unreachable replica is a breach', () => {
    expect(firingKeys(rep(null, false, false))).toContain('replica-lag:replica-1');
  });
  it('a replica promoted to primary is not a lagging replica', () => {
    const promoted = (lag: number | null) =>
      snap({
        database: {
          ...snap().database,
          replicas: [{ name: 'replica-1', lagSeconds: lag, replayPaused: false, seenFrom: 'replica', reachable: true, promoted: true }],
        },
      });
    expect(firingKeys(promoted(null))).not.toContain('replica-lag:replica-1');
    expect(firingKeys(promoted(600))).not.toContain('replica-lag:replica-1');
  });
  it('failed migrations and primary degradation', () => {
    const s = snap({ database: { ...snap().database, failedMigrations: 1, primaryDegraded: 'checkpoint stalls' } });
    expect(firingKeys(s)).toEqual(expect.arrayContaining(['failed-migrations:primary', 'primary-degradation:primary']));
    expect(firingKeys(snap())).toHaveLength(0);
  });
});

describe('links to the runbook', () => {
  it('every firing trigger names its runbook section', () => {
    const s = snap({
      queues: [queue('crawl', { lagSeconds: 2000, deadLetterGrowthPerHour: 100 })],
      reporting: { runs: 50, failures: 10, windowMinutes: 60, failedCampaigns: [] },
      database: { ...snap().database, failedMigrations: 2 },
    });
    const sections = evaluateTriggers([], s, T).triggers.map((t) => [t.kind, t.section]);
    expect(sections).toEqual(
      expect.arrayContaining([
        ['queue-lag', 3],
        ['dead-letter-spike', 3],
        ['report-failures', 4],
        ['failed-migrations', 6],
      ]),
    );
  });
  it('a queue that vanishes keeps its last state rather than clearing', () => {
    const prev = evaluateTriggers([], snap({ queues: [queue('crawl', { lagSeconds: 2000 })] }), T).triggers;
    const r = evaluateTriggers(prev, snap({ queues: [] }), T);
    expect(r.triggers.find((t) => t.key === 'queue-lag:crawl')?.firing).toBe(true);
    expect(r.changes).toHaveLength(0);
  });
});
