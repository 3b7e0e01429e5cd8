// Milestones from evidence, in the recorder: started is the earliest evidence a trigger carried
// (and moves earlier, as a superseding entry, when a later trigger shows earlier evidence, unless
// an operator corrected it), detected is the first trigger, acknowledged is the first page
// acknowledgement (a severity decision is not one), each with its source. And the corrective
// actions' due date checked against the clock.
import { afterAll, describe, expect, it } from 'vitest';
import { IncidentError, IncidentRecorder } from '../../src/journal/recorder.js';
import { ManualClock, T0, queueLagTrigger, removeTempDirs, replicaLagTrigger, tempDir } from '../timeline/helpers.js';

afterAll(removeTempDirs);

const iso = (ms: number) => new Date(ms).toISOString();

function recorder() {
  const clock = new ManualClock(T0);
  const rec = new IncidentRecorder({ stateDir: tempDir(), clock, operator: 'alice' });
  return { clock, rec };
}

function milestoneEntries(rec: IncidentRecorder): Array<{ kind: string; name?: unknown; at?: unknown; source?: unknown }> {
  return (rec.view()?.entries ?? [])
    .filter((e) => e.kind === 'milestone' || e.kind === 'milestone-corrected')
    .map((e) => ({ kind: e.kind, ...e.details }));
}

describe('started and detected', () => {
  it('started is the evidence the first trigger carried, detected is when it fired, each with its source', () => {
    const { rec } = recorder();
    rec.onTriggerFired(
      queueLagTrigger({ evidenceAt: iso(T0 - 21 * 60_000), evidence: 'the oldest message waiting in rank was enqueued 21m 00s before' }),
    );
    const v = rec.view();
    expect(v?.milestones.started?.at).toBe(iso(T0 - 21 * 60_000));
    expect(v?.milestones.detected?.at).toBe(iso(T0));
    expect(v?.durations.timeToDetectMs).toBe(21 * 60_000);
    expect(milestoneEntries(rec)).toEqual([
      {
        kind: 'milestone',
        name: 'started',
        at: iso(T0 - 21 * 60_000),
        source: 'evidence: the oldest message waiting in rank was enqueued 21m 00s before (Queue lag > 15 min on rank)',
      },
      { kind: 'milestone', name: 'detected', at: iso(T0), source: 'first trigger: Queue lag > 15 min on rank' },
    ]);
  });

  it('without evidence (or with evidence from the future) started is the detection, and says so', () => {
    const { rec } = recorder();
    rec.onTriggerFired(queueLagTrigger({ evidenceAt: iso(T0 + 60_000) }));
    expect(rec.view()?.milestones.started?.at).toBe(iso(T0));
    expect(milestoneEntries(rec)[0]?.source).toBe('first trigger: Queue lag > 15 min on rank (no earlier evidence recorded)');
  });

  it('a later trigger with earlier evidence corrects started, keeping the history; an operator correction wins', () => {
    const { clock, rec } = recorder();
    rec.onTriggerFired(queueLagTrigger({ evidenceAt: iso(T0 - 5 * 60_000), evidence: 'rank backlog' }));
    clock.advance(60_000);
    rec.onTriggerFired(replicaLagTrigger({ evidenceAt: iso(T0 - 9 * 60_000), evidence: 'replica-2 stopped replaying' }));
    let v = rec.view();
    expect(v?.milestones.started?.at).toBe(iso(T0 - 9 * 60_000));
    expect(v?.milestones.started?.corrected).toBe(true);
    expect(v?.milestoneHistory.filter((m) => m.name === 'started').map((m) => [m.at, m.supersededBySeq !== null])).toEqual([
      [iso(T0 - 5 * 60_000), true],
      [iso(T0 - 9 * 60_000), false],
    ]);
    // Later evidence that is not earlier changes nothing.
    rec.onTriggerFired(replicaLagTrigger({ target: 'replica-3', evidenceAt: iso(T0 - 60_000) }));
    expect(rec.view()?.milestones.started?.at).toBe(iso(T0 - 9 * 60_000));
    // The operator knows better: their correction is kept even against earlier evidence.
    rec.correctMilestone('started', iso(T0 - 7 * 60_000), 'deploy at that minute');
    rec.onTriggerFired(replicaLagTrigger({ target: 'replica-4', evidenceAt: iso(T0 - 30 * 60_000) }));
    v = rec.view();
    expect(v?.milestones.started?.at).toBe(iso(T0 - 7 * 60_000));
    expect(v?.milestones.started?.reason).toBe('deploy at that minute');
  });
});

describe('acknowledged', () => {
  it('is the first page acknowledgement, not a severity decision or a state change', () => {
    const { clock, rec } = recorder();
    rec.onTriggerFired(queueLagTrigger());
    rec.decideSeverity('SEV-2', 'rank down');
    clock.advance(30_000);
    rec.setState('mitigated', 'replicas added');
    expect(rec.view()?.milestones.acknowledged).toBeNull();
    clock.advance(30_000);
    rec.record('page', {
      event: 'acknowledged',
      target: 'primary-on-call',
      targets: ['primary-on-call'],
      by: 'dana',
      via: 'cockpit',
      role: 'primary on-call',
      channel: 'cockpit',
      reason: 'acknowledged',
    });
    clock.advance(30_000);
    rec.record('page', {
      event: 'acknowledged',
      target: 'rank-owner',
      targets: ['rank-owner'],
      by: 'rita',
      via: 'callback',
      role: 'rank owner',
      channel: 'callback',
      reason: 'acknowledged',
    });
    const ack = milestoneEntries(rec).filter((m) => m.name === 'acknowledged');
    expect(ack).toEqual([
      {
        kind: 'milestone',
        name: 'acknowledged',
        at: iso(T0 + 60_000),
        source: 'first page acknowledgement: primary-on-call acknowledged by dana (key in the cockpit)',
      },
    ]);
  });

  it('mitigated and resolved say who marked them and why', () => {
    const { rec } = recorder();
    rec.onTriggerFired(queueLagTrigger());
    rec.setState('resolved', 'backlog drained');
    expect(
      milestoneEntries(rec)
        .slice(2)
        .map((m) => [m.name, m.source]),
    ).toEqual([
      ['mitigated', 'marked resolved by alice: backlog drained (resolved straight from open)'],
      ['resolved', 'marked resolved by alice: backlog drained'],
    ]);
  });
});

describe('corrective actions', () => {
  it('refuses a new row due before today (the clock), keeps rows already recorded once they are past', () => {
    const { clock, rec } = recorder(); // today is 2026-11-28
    rec.openIncident('by hand');
    expect(() => rec.addCorrectiveAction({ action: 'Alert on pools', owner: 'bob', due: '2025-01-01' })).toThrow(
      new IncidentError('corrective action 1: due date 2025-01-01 is in the past (today is 2026-11-28)'),
    );
    expect(() => rec.addCorrectiveAction({ action: 'Alert on pools', owner: 'bob', due: '2026-11-27' })).toThrow(IncidentError);
    rec.addCorrectiveAction({ action: 'Alert on pools', owner: 'bob', due: '2026-11-28' });
    // A week later the first row's date has passed: adding a second row keeps it as it is.
    clock.advance(7 * 86_400_000);
    rec.addCorrectiveAction({ action: 'Canary parser deploys', owner: 'carol', due: '2026-12-20' });
    expect(rec.view()?.pir.correctiveActions.map((a) => a.due)).toEqual(['2026-11-28', '2026-12-20']);
    // Changing the past row's date to another past date is a new row: refused.
    expect(() =>
      rec.setCorrectiveActions([
        { action: 'Alert on pools', owner: 'bob', due: '2026-11-30' },
        { action: 'Canary parser deploys', owner: 'carol', due: '2026-12-20' },
      ]),
    ).toThrow(/row|corrective action 1: due date 2026-11-30 is in the past/);
    expect(rec.view()?.pir.correctiveActions).toHaveLength(2);
  });
});
