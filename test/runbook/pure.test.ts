// Pure parts of issue 7: the month window and history cutoff, day ranges, the read-target choice,
// and prior owner notices read back from the journal.
import { describe, expect, it } from 'vitest';
import { chooseReadTarget, lastReadFailover } from '../../src/control/mitigations/readFailover.js';
import { alreadySent, sentNotices } from '../../src/control/mitigations/ownerNotices.js';
import { assessCompleteness, formatDays, monthWindow, previousMonth } from '../../src/core/completeness.js';
import type { ReplicaSnapshot } from '../../src/core/snapshot.js';
import type { TimelineEntry } from '../../src/core/timeline.js';

const rep = (name: string, over: Partial<ReplicaSnapshot> = {}): ReplicaSnapshot => ({
  name,
  lagSeconds: 1,
  replayPaused: false,
  seenFrom: 'both',
  reachable: true,
  ...over,
});
const entry = (seq: number, details: Record<string, unknown>): TimelineEntry => ({
  seq,
  at: `2026-11-20T12:00:0${seq}.000Z`,
  operator: 'op',
  kind: 'action',
  incidentId: 'INC',
  details,
  prevHash: '',
  hash: '',
});

describe('month window', () => {
  it('cuts at the first day wholly inside the history window', () => {
    expect(monthWindow('2026-10', Date.parse('2026-11-20T12:00:00Z')).historyCutoff).toBe('2026-10-22');
    expect(monthWindow('2026-10', Date.parse('2026-11-20T00:00:00Z')).historyCutoff).toBe('2026-10-21');
    expect(monthWindow('2024-02', Date.parse('2024-04-01T00:00:00Z')).days).toHaveLength(29);
    expect(monthWindow('2026-12', Date.parse('2026-11-20T00:00:00Z')).through).toBeNull();
    expect(() => monthWindow('2026-13', 0)).toThrow(/YYYY-MM/);
    expect(previousMonth(Date.parse('2026-01-05T00:00:00Z'))).toBe('2025-12');
  });

  it('marks only days before the cutoff irrecoverable', () => {
    const w = monthWindow('2026-10', Date.parse('2026-11-20T12:00:00Z'));
    const r = assessCompleteness(
      w,
      [
        {
          id: '1',
          name: 'a',
          ownerEmail: null,
          rankDays: w.days.filter((d) => d !== '2026-10-21' && d !== '2026-10-22'),
          crawlDays: w.days,
        },
      ],
      { now: 0 },
    );
    expect(r.campaigns[0]?.missing.map((m) => [m.day, m.irrecoverable])).toEqual([
      ['2026-10-21', true],
      ['2026-10-22', false],
    ]);
    expect(formatDays(['2026-10-05', '2026-10-03', '2026-10-04', '2026-10-09'])).toBe('2026-10-03..05, 2026-10-09');
  });
});

describe('read target choice', () => {
  it('offers healthy replicas by lag, then the primary; warns when only the primary is left', () => {
    const c = chooseReadTarget({
      replicas: [
        rep('b', { lagSeconds: 5 }),
        rep('a', { lagSeconds: 2 }),
        rep('p', { replayPaused: true }),
        rep('u', { reachable: false }),
        rep('n', { lagSeconds: null }),
      ],
      primaryReachable: true,
      thresholdSeconds: 60,
      at: 0,
    });
    expect(c.offered).toEqual(['a', 'b', 'primary']);
    expect(c.warnings).toEqual([]);
    const only = chooseReadTarget({
      replicas: [rep('p', { replayPaused: true }), rep('l', { lagSeconds: 90 })],
      primaryReachable: true,
      thresholdSeconds: 60,
      at: 0,
    });
    expect(only.offered).toEqual(['primary']);
    // A replica promoted to primary is not offered as a replica: the primary is.
    const promoted = chooseReadTarget({
      replicas: [rep('s1', { lagSeconds: null, seenFrom: 'replica', promoted: true })],
      primaryReachable: true,
      thresholdSeconds: 60,
      at: 0,
    });
    expect(promoted.offered).toEqual(['primary']);
    expect(promoted.candidates).toEqual([{ name: 's1', lagSeconds: null, healthy: false, why: 'promoted: now the primary' }]);
    expect(only.warnings[0]).toMatch(/p: replay paused; l: lag 90 s >= 60 s\): the primary is the only choice/);
  });

  it('the undo goes back to the target before the first failover of a series', () => {
    const done = (mitigation: string, record: Record<string, unknown>, seq: number) =>
      entry(seq, { mitigation, record, audit: { result: 'done' } });
    const es = [
      done('fail-over-reads', { target: 'r1', previous: 'primary' }, 1),
      done('fail-over-reads', { target: 'r2', previous: 'r1' }, 2),
    ];
    expect(lastReadFailover(es)).toEqual({ target: 'r2', previous: 'primary', seq: 2 });
    expect(lastReadFailover([...es, done('restore-read-target', {}, 3)])).toBeNull();
  });
});

describe('prior owner notices', () => {
  it('counts done and partial runs only, per owner, campaign and month', () => {
    const sent = [{ campaign: '1', owner: 'a@x', month: '2026-10', taskId: 't1' }];
    const es = [
      entry(1, { mitigation: 'notify-owners', record: { sent }, audit: { result: 'done' } }),
      entry(2, {
        mitigation: 'notify-owners',
        record: { sent: [{ campaign: '2', owner: 'b@x', month: '2026-10' }] },
        audit: { result: 'failed' },
      }),
    ];
    const prior = sentNotices(es);
    expect(prior.map((p) => p.campaign)).toEqual(['1']);
    const plan = [
      { campaign: '1', name: '', owner: 'a@x', month: '2026-10', missingDays: [] },
      { campaign: '1', name: '', owner: 'a@x', month: '2026-09', missingDays: [] },
      { campaign: '2', name: '', owner: 'b@x', month: '2026-10', missingDays: [] },
    ];
    expect(alreadySent(plan, prior).map((r) => `${r.notice.campaign}/${r.notice.month}`)).toEqual(['1/2026-10']);
  });
});
