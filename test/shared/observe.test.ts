// The cockpit that takes over observing (the observer lease) records what its sources show that the
// incident does not: a trigger that fired and one that cleared while nobody observed.
import { afterAll, describe, expect, it } from 'vitest';
import { IncidentRecorder, type RecorderSharing } from '../../src/journal/recorder.js';
import { makeOrigin } from '../../src/journal/shared/origin.js';
import { reconcileObservations } from '../../src/runtime/shared.js';
import { fixtureStore } from '../ui/fixtures.js';
import { ManualClock, T0, queueLagTrigger, removeTempDirs, tempDir } from '../timeline/helpers.js';

afterAll(removeTempDirs);

describe('taking over observing', () => {
  it('records the triggers firing on this cockpit that the incident misses, and clears the ones that stopped', () => {
    let observing = false;
    const sharing: RecorderSharing = {
      origin: makeOrigin('alice'),
      access: 'operator',
      beforeOpen: () => ({ id: 'INC-20261128-0412' }),
      observing: () => observing,
    };
    const recorder = new IncidentRecorder({ stateDir: tempDir(), clock: new ManualClock(T0), operator: 'alice', sharing });
    const store = fixtureStore();
    const firing = store.getState().triggers.filter((t) => t.firing);
    expect(firing.length).toBeGreaterThan(0);

    // Not observing: nothing from the sources is recorded, not even an opening.
    reconcileObservations(store, recorder);
    expect(recorder.view()).toBeNull();

    // Became the observer: the firing triggers open the incident and are recorded, once.
    observing = true;
    reconcileObservations(store, recorder);
    const v = recorder.view()!;
    expect(v.activeTriggers.map((t) => `${t.triggerKey}:${t.target}`).sort()).toEqual(firing.map((t) => `${t.kind}:${t.target}`).sort());
    reconcileObservations(store, recorder);
    expect(recorder.view()!.entries.filter((e) => e.kind === 'trigger-fired')).toHaveLength(firing.length);

    // A trigger the incident shows firing that stopped here (while another cockpit observed, and died).
    recorder.onTriggerFired(queueLagTrigger({ target: 'no-such-queue' }));
    store.setState({
      triggers: [...store.getState().triggers, { ...firing[0]!, kind: 'queue-lag', target: 'no-such-queue', firing: false }],
    });
    reconcileObservations(store, recorder);
    expect(recorder.view()!.activeTriggers.some((t) => t.target === 'no-such-queue')).toBe(false);
  });
});
